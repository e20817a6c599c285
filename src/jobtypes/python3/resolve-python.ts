// The real interpreter behind a configured python (`python3` may be a pyenv shim, a shell script that needs the
// server's HOME) and the host folders it runs from, which a sandbox must show it read-only at the same paths.
import { dirname } from 'node:path';
import { runProcess } from '../../core/run-process.js';

export interface ResolvedPython {
  /** absolute path of the interpreter binary itself */
  executable: string;
  /** its prefix and the folder of the binary */
  paths: string[];
}

// -I: the probe reads no PYTHON* variables and imports nothing from the current folder
const PROBE = 'import json, os, sys; print(json.dumps([os.path.realpath(sys.executable), sys.base_prefix, sys.base_exec_prefix]))';

/** Rejects when python cannot be run on this server. */
export async function resolvePython(python: string): Promise<ResolvedPython> {
  const out = await runProcess(python, ['-I', '-c', PROBE], { what: python });
  const [executable, prefix, execPrefix] = JSON.parse(out) as string[];
  if (!executable) throw new Error(`${python} does not know where its binary is`);
  return { executable, paths: [...new Set([prefix!, execPrefix!, dirname(executable)])] };
}
