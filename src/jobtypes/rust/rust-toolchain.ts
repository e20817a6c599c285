// The server's Rust toolchain: the sysroot of `rustc` on its PATH (rustup's or Debian's), whose bin/ holds cargo
// and rustc themselves — not rustup's proxies, which a sandbox without the server's HOME could not resolve.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';

export interface RustToolchain {
  sysroot: string;
  rustc: string;
  cargo: string;
}

let found: Promise<RustToolchain> | undefined;

export function rustToolchain(): Promise<RustToolchain> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUSTUP_HOME: process.env.RUSTUP_HOME, RUSTUP_TOOLCHAIN: process.env.RUSTUP_TOOLCHAIN };
  found ??= runProcess('rustc', ['--print', 'sysroot'], { what: 'rustc --print sysroot', env })
    .then((out) => {
      const sysroot = out.trim();
      const rustc = join(sysroot, 'bin', 'rustc');
      const cargo = join(sysroot, 'bin', 'cargo');
      if (!existsSync(rustc) || !existsSync(cargo)) throw new Error(`no rustc and cargo in ${sysroot}/bin`);
      return { sysroot, rustc, cargo };
    })
    .catch((e: Error) => {
      found = undefined; // installed later: found next time
      throw new RtError(`the rust job type needs rustc and cargo on the server's PATH (apt-get install cargo): ${e.message}`);
    });
  return found;
}
