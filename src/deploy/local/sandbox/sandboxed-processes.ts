// The processes inside a running sandbox, seen from the host: everything below its innermost pid-namespace init.
// A stop sends SIGTERM to these alone: pasta and bwrap end the whole sandbox at once on a signal, which would cut
// the job's drain of calls in flight short.
import { readdirSync, readFileSync } from 'node:fs';

/** @param leader the pid the server spawned (pasta, once the chain has exec'd) */
export function sandboxedProcesses(leader: number): number[] {
  let init = leader;
  for (;;) {
    const next = childrenOf(init).find(isNamespaceInit);
    if (next === undefined) break;
    init = next;
  }
  return init === leader ? [] : descendants(init);
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return []; // gone meanwhile
  }
}

/** pid 1 of a pid namespace below the host's (its NSpid line ends in 1) */
function isNamespaceInit(pid: number): boolean {
  try {
    const ids = /^NSpid:\s+(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
    return ids.length > 1 && ids.at(-1) === '1';
  } catch {
    return false;
  }
}
