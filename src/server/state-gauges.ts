// Prometheus gauges of the platform's state, read from the stores on each scrape of /metrics (beside the event metrics).
import type { DeploymentStore, JobStore } from '../db/index.js';

export function renderStateGauges(jobs: JobStore, deployments: DeploymentStore, pushesInFlight: number): string {
  const byStatus = (values: string[]) => values.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<string, number>());
  const lines = [
    '# HELP racetrack_job_versions Job versions recorded, by status.',
    '# TYPE racetrack_job_versions gauge',
    ...[...byStatus(jobs.versions().map((v) => v.status))].map(([s, n]) => `racetrack_job_versions{status="${s}"} ${n}`),
    '# HELP racetrack_deployments_recent Deployments among the last 1000, by status.',
    '# TYPE racetrack_deployments_recent gauge',
    ...[...byStatus(deployments.list(undefined, 1000).map((d) => d.status))].map(([s, n]) => `racetrack_deployments_recent{status="${s}"} ${n}`),
    '# HELP racetrack_pushes_in_flight Git pushes being received now.',
    '# TYPE racetrack_pushes_in_flight gauge',
    `racetrack_pushes_in_flight ${pushesInFlight}`,
  ];
  return `${lines.join('\n')}\n`;
}
