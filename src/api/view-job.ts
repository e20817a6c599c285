// A job version in an API answer: the shared jobView, with this server's public URL and `latest` marked.
import type { JobVersion } from '../db/index.js';
import { jobView, type JobView } from '../jobs/index.js';
import type { Services } from '../server/services.js';

export function viewJob(services: Services, v: JobVersion): JobView {
  return jobView(v, services.publicUrl(), services.jobs.latestVersion(v.name));
}
