// The jobs page: every version the user may read, newest first within a job.
import type { JobView } from '../../jobs/index.js';
import { BASE, Layout, type PageContext } from './layout.js';
import { age } from './format.js';

export const jobHref = (name: string, version?: string): string =>
  `${BASE}/jobs/${encodeURIComponent(name)}${version ? `?version=${encodeURIComponent(version)}` : ''}`;

export function JobsPage({ page, jobs, now }: { page: PageContext; jobs: JobView[]; now: number }): JSX.Element {
  return (
    <Layout title="Jobs" page={page}>
      {jobs.length === 0 ? <p>No jobs yet: <code>git push</code> one.</p> : (
        <table class="wide">
          <caption>{jobs.length} job versions</caption>
          <thead>
            <tr>
              <th scope="col">Job</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Type</th>
              <th scope="col">Target</th><th scope="col">Age</th><th scope="col">Last call</th><th scope="col">Links</th>
            </tr>
          </thead>
          <tbody>{jobs.map((j) => <JobRow job={j} now={now} />)}</tbody>
        </table>
      )}
    </Layout>
  );
}

function JobRow({ job: j, now }: { job: JobView; now: number }): JSX.Element {
  return (
    <tr>
      <td><a href={jobHref(j.name)} safe>{j.name}</a></td>
      <td><span safe>{j.version}</span>{j.latest && <span class="tag">latest</span>}</td>
      <td><span class={`status ${j.status}`} safe>{j.status}</span></td>
      <td safe>{j.jobtype}</td>
      <td safe>{j.target}</td>
      <td safe>{age(Date.parse(j.created_at), now)}</td>
      <td safe>{age(j.last_call_at ? Date.parse(j.last_call_at) : null, now)}</td>
      <td class="links">
        <a href={`${j.url}docs`}>Swagger<span class="visually-hidden" safe>{` of ${j.name} ${j.version}`}</span></a>
        <a href={`${jobHref(j.name, j.version)}#logs`}>Logs<span class="visually-hidden" safe>{` of ${j.name} ${j.version}`}</span></a>
      </td>
    </tr>
  );
}
