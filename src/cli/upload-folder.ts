// `racetrack deploy` of a plain folder: tar.gz it, POST /deploy, then follow the deployment's log.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RtError } from '../core/errors.js';
import type { ApiClient } from './api-client.js';
import { followDeployment } from './follow-deployment.js';

const MAX_ARCHIVE_BYTES = 48 * 1024 * 1024;

export async function uploadFolder(client: ApiClient, dir: string, manifest: Record<string, unknown>, force: boolean): Promise<void> {
  client.requireToken();
  const archive = await tarGz(dir);
  console.log(`-----> Uploading ${dir} (${Math.ceil(archive.length / 1024)} KiB) to ${client.remote}`);
  const { id } = await client.api<{ id: string }>('POST', '/deploy', { manifest, build_context: archive.toString('base64'), force });
  await followDeployment(client, id);
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
