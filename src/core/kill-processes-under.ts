// Ends processes whose working directory lies under a folder: the builds a crash of ours left running.
// Linux only (reads /proc); elsewhere it finds nothing.
import { readdirSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';

export function killProcessesUnder(dir: string): number[] {
  const killed: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return killed;
  }
  for (const p of pids) {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${p}/cwd`);
    } catch {
      continue; // gone, or not ours to see
    }
    if (cwd === dir || cwd.startsWith(dir + sep)) {
      try {
        process.kill(Number(p), 'SIGKILL');
        killed.push(Number(p));
      } catch {
        // already gone
      }
    }
  }
  return killed;
}
