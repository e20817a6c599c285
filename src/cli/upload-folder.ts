// `racetrack deploy` of a plain folder: tar.gz it, POST /deploy, then poll GET /deploy/ID and print the
// log as it grows, until the deploy is done or failed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RtError } from '../core/errors.js';
import type { ApiClient } from './api-client.js';

const MAX_ARCHIVE_BYTES = 48 * 1024 * 1024;
const POLL_MS = 500;

interface DeployState {
  status: 'in_progress' | 'done' | 'failed';
  error: string | null;
  log: string;
  job?: { url: string; name: string; version: string };
}

export async function uploadFolder(client: ApiClient, dir: string, manifest: Record<string, unknown>, force: boolean): Promise<void> {
  client.requireToken();
  const archive = await tarGz(dir);
  console.log(`-----> Uploading ${dir} (${Math.ceil(archive.length / 1024)} KiB) to ${client.remote}`);
  const { id } = await client.api<{ id: string }>('POST', '/deploy', { manifest, build_context: archive.toString('base64'), force });

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

async function tarGz(dir: string): Promise<Buffer> {
  try {
    const { stdout } = await promisify(execFile)('tar', ['-czf', '-', '-C', dir, '.'], { encoding: 'buffer', maxBuffer: MAX_ARCHIVE_BYTES });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') throw new RtError(`${dir} is larger than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB compressed`);
    throw new RtError(`could not pack ${dir}: ${err.stderr?.toString().trim() || err.message}`);
  }
}
