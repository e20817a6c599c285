// Prints a deployment's log as it grows (GET /deploy/ID) until it is done or failed; a failure exits non-zero.
import { RtError } from '../core/errors.js';
import type { ApiClient } from './api-client.js';

const POLL_MS = 500;

interface DeployState {
  status: 'in_progress' | 'done' | 'failed';
  error: string | null;
  log: string;
  job?: { url: string; name: string; version: string };
}

export async function followDeployment(client: ApiClient, id: string): Promise<void> {
  let printed = 0;
  for (;;) {
    const state = await client.api<DeployState>('GET', `/deploy/${encodeURIComponent(id)}`);
    const ended = state.status !== 'in_progress';
    // whole lines only while it runs, so a line is never split between two polls
    const end = ended ? state.log.length : state.log.lastIndexOf('\n') + 1;
    if (end > printed) process.stdout.write(state.log.slice(printed, end));
    printed = Math.max(printed, end);
    if (state.status === 'failed') throw new RtError(`deployment ${id} failed: ${state.error ?? 'unknown error'}`);
    if (ended) {
      if (state.job) console.log(`-----> ${state.job.name} ${state.job.version} is live\n       ${state.job.url}`);
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
