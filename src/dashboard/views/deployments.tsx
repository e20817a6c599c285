// Deployments the user may read, and one deployment with its replayed log.
import type { Deployment } from '../../db/index.js';
import { Layout, type PageContext } from './layout.js';
import { DeploymentsTable } from './job.js';
import { isoTime } from './format.js';

export function DeploymentsPage({ page, deployments }: { page: PageContext; deployments: Deployment[] }): JSX.Element {
  return (
    <Layout title="Deployments" page={page}>
      <DeploymentsTable deployments={deployments} />
    </Layout>
  );
}

export function DeploymentPage({ page, deployment: d, log }: { page: PageContext; deployment: Deployment; log: string }): JSX.Element {
  return (
    <Layout title={`Deployment ${d.id.slice(0, 8)}`} page={page}>
      <dl class="facts">
        <dt>Job</dt><dd safe>{`${d.jobName} ${d.version ?? ''}`}</dd>
        <dt>Status</dt><dd safe>{`${d.status} (${d.phase})`}</dd>
        {d.error ? <><dt>Error</dt><dd class="error" safe>{d.error}</dd></> : ''}
        <dt>By</dt><dd safe>{d.deployedBy}</dd>
        <dt>Started</dt><dd safe>{isoTime(d.startedAt)}</dd>
        <dt>Finished</dt><dd safe>{isoTime(d.finishedAt) || 'not yet'}</dd>
        {d.remote ? <><dt>From</dt><dd safe>{`${d.remote} ${d.remoteBranch ?? ''} ${d.remoteCommit ?? ''}`}</dd></> : ''}
      </dl>
      <h2>Log</h2>
      <pre class="log" role="region" tabindex="0" aria-label="deployment log" safe>{log || '(empty)'}</pre>
    </Layout>
  );
}
