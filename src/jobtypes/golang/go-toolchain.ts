// The server's Go toolchain: `go` on its PATH, and GOROOT, the folder a confined build must see.
import { join } from 'node:path';
import { RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';

export interface GoToolchain {
  /** the go command, by absolute path (a sandbox's PATH is not the server's) */
  go: string;
  goroot: string;
}

let found: Promise<GoToolchain> | undefined;

export function goToolchain(): Promise<GoToolchain> {
  found ??= runProcess('go', ['env', 'GOROOT'], { what: 'go env GOROOT', env: { PATH: process.env.PATH, HOME: process.env.HOME, GOENV: 'off' } })
    .then((out) => {
      const goroot = out.trim();
      return { go: join(goroot, 'bin', 'go'), goroot };
    })
    .catch((e: Error) => {
      found = undefined; // installed later: found next time
      throw new RtError(`the golang job type needs Go on the server's PATH (apt-get install golang-go): ${e.message}`);
    });
  return found;
}
