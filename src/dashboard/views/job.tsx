// One job: its versions, the chosen version's live log tail and build log, deploy history, secret names, calls.
import type { JobView } from '../../jobs/index.js';
import type { Deployment } from '../../db/index.js';
import type { SecretInfo } from '../../secrets/index.js';
import type { CallSeries } from '../call-history.js';
import { BASE, Layout, type PageContext } from './layout.js';
import { age, isoTime, scriptJson } from './format.js';
import { jobHref } from './jobs.js';

export interface JobPageData {
  name: string;
  versions: JobView[];
  chosen: JobView;
  deployments: Deployment[];
  secrets: SecretInfo[];
  buildLog: string;
  calls: CallSeries;
  now: number;
}

export const logsHref = (name: string, version: string, kind: 'stream' | 'tail'): string =>
  `${BASE}/jobs/${encodeURIComponent(name)}/${encodeURIComponent(version)}/logs${kind === 'stream' ? '/stream' : ''}`;

export function JobPage({ page, d }: { page: PageContext; d: JobPageData }): JSX.Element {
  const c = d.chosen;
  const total = d.calls.versions.reduce((n, v) => n + v.counts.reduce((a, b) => a + b, 0), 0);
  return (
    <Layout title={`Job ${d.name}`} page={page} scripts={[`${BASE}/static/uplot.js`, `${BASE}/static/dashboard.js`]} styles={[`${BASE}/static/uplot.css`]}>
      <h2>Versions</h2>
      <table>
        <thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Target</th><th scope="col">Age</th><th scope="col">Last call</th><th scope="col">Swagger</th></tr></thead>
        <tbody>
          {d.versions.map((v) => (
            <tr aria-current={v.version === c.version ? 'true' : undefined}>
              <td><a href={jobHref(v.name, v.version)} safe>{v.version}</a>{v.latest && <span class="tag">latest</span>}</td>
              <td><span class={`status ${v.status}`} safe>{v.status}</span></td>
              <td safe>{v.jobtype}</td>
              <td safe>{v.target}</td>
              <td safe>{age(Date.parse(v.created_at), d.now)}</td>
              <td safe>{age(v.last_call_at ? Date.parse(v.last_call_at) : null, d.now)}</td>
              <td><a href={`${v.url}docs`}>Swagger<span class="visually-hidden" safe>{` of ${v.version}`}</span></a></td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2 safe>{`Version ${c.version}`}</h2>
      <dl class="facts">
        <dt>Status</dt><dd safe>{c.status}</dd>
        {c.error ? <><dt>Error</dt><dd class="error" safe>{c.error}</dd></> : ''}
        <dt>Commit</dt><dd><code safe>{c.commit}</code></dd>
        <dt>Deployed by</dt><dd safe>{c.deployed_by}</dd>
        <dt>URL</dt><dd><a href={c.url} safe>{c.url}</a></dd>
      </dl>

      <h2 id="logs">Logs</h2>
      <pre class="log" id="live-log" role="log" tabindex="0" aria-label="live log" data-stream={`${logsHref(c.name, c.version, 'stream')}?ticket=${encodeURIComponent(page.csrf)}`} aria-live="off"></pre>
      <p><a href={logsHref(c.name, c.version, 'tail')}>The last 200 lines as text</a> (the box above follows the log live).</p>

      <h2>Build log</h2>
      <pre class="log" role="region" tabindex="0" aria-label="build log" safe>{d.buildLog || '(empty)'}</pre>

      <h2>Calls per minute, last hour</h2>
      <p>{total} calls in the last hour since the server started.</p>
      <div id="calls-chart" role="img" aria-label="calls per minute by version"></div>
      <script type="application/json" id="calls-data">{scriptJson(d.calls)}</script>

      <h2>Deploy history</h2>
      <DeploymentsTable deployments={d.deployments} />

      <h2>Secrets</h2>
      {d.secrets.length === 0 ? <p>No secrets. Set them with <code>ssh rt secrets set</code>.</p> : (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Updated</th></tr></thead>
          <tbody>{d.secrets.map((s) => <tr><td><code safe>{s.key}</code></td><td>{s.kind}</td><td safe>{s.updated_at}</td></tr>)}</tbody>
        </table>
      )}
    </Layout>
  );
}

export function DeploymentsTable({ deployments }: { deployments: Deployment[] }): JSX.Element {
  if (deployments.length === 0) return <p>No deployments.</p>;
  return (
    <table class="wide">
      <thead>
        <tr><th scope="col">ID</th><th scope="col">Job</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Phase</th><th scope="col">By</th><th scope="col">Started</th><th scope="col">Error</th></tr>
      </thead>
      <tbody>
        {deployments.map((x) => (
          <tr>
            <td><a href={`${BASE}/deployments/${encodeURIComponent(x.id)}`}><code safe>{x.id.slice(0, 8)}</code></a></td>
            <td><a href={jobHref(x.jobName)} safe>{x.jobName}</a></td>
            <td safe>{x.version ?? ''}</td>
            <td><span class={`status ${x.status}`}>{x.status}</span></td>
            <td safe>{x.phase}</td>
            <td safe>{x.deployedBy}</td>
            <td safe>{isoTime(x.startedAt)}</td>
            <td class="error" safe>{x.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
