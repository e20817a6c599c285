// Reads a job's go.mod on the server: the file is copied out first (only a regular file of the job, never a
// symlink leading elsewhere) and `go mod edit -json` parses the copy — it only parses, it runs nothing of the job.
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';
import { goToolchain } from './go-toolchain.js';

/** what `go mod edit -json` says of a go.mod, the parts the build uses */
export interface GoModJson {
  Module: { Path: string };
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
}

/** a go.mod or go.sum larger than this is not a job's */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The text of a regular file at the job's root; undefined when there is none. */
export function readJobFile(jobDir: string, name: string): string | undefined {
  const path = join(jobDir, name);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (!st.isFile()) throw new BadRequestError(`${name}: must be a regular file in the job folder`);
  if (st.size > MAX_FILE_BYTES) throw new BadRequestError(`${name}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  return readFileSync(path, 'utf8');
}

/** The job's go.mod, parsed by go; undefined when the job has none. */
export async function readGoMod(jobDir: string): Promise<GoModJson | undefined> {
  const text = readJobFile(jobDir, 'go.mod');
  if (text === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rt-go-mod-'));
  try {
    writeFileSync(join(dir, 'go.mod'), text);
    const { go } = await goToolchain();
    const json = await runProcess(go, ['mod', 'edit', '-json', 'go.mod'], {
      cwd: dir, what: 'reading go.mod', env: { PATH: process.env.PATH, HOME: dir, GOENV: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '' },
    }).catch((e: Error & { details?: string[] }) => {
      throw new BadRequestError(`go.mod: ${e.details?.[0] ?? e.message}`);
    });
    const parsed = JSON.parse(json) as GoModJson;
    if (!parsed.Module?.Path) throw new BadRequestError('go.mod: has no module directive');
    return parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
