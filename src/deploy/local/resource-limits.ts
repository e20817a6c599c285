// resources.memory_max / cpu_max for local processes: a cgroup per replica where this host lets us make one
// (cgroup v1 memory+cpu, or v2), else an address-space rlimit through prlimit for memory and nothing for CPU.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCpuQuantity, parseMemoryQuantity } from '../../manifest/index.js';
import type { InstanceSpec } from '../types.js';

const V1 = '/sys/fs/cgroup';
const V2 = '/sys/fs/cgroup';
const CFS_PERIOD_US = 100_000;

export interface ProcessLimits {
  /** cmd with what puts it under the limits in front, and the variables that needs */
  wrap(cmd: string, args: string[]): { cmd: string; args: string[]; env: Record<string, string> };
  /** what is enforced, for the log */
  description: string;
  release(): void;
}

/** The process enters its cgroup before it execs its command: there is no window in which it runs unlimited. */
export function limitsFor(resources: InstanceSpec['resources'], id: string): ProcessLimits {
  const memory = resources.memory_max ? parseMemoryQuantity(resources.memory_max) : undefined;
  const cpu = resources.cpu_max ? parseCpuQuantity(resources.cpu_max) : undefined;
  const none: ProcessLimits = { wrap: (cmd, args) => ({ cmd, args, env: {} }), description: 'no limits', release: () => {} };
  if (memory === undefined && cpu === undefined) return none;

  const groups = makeCgroups(id, memory, cpu);
  if (groups) {
    return {
      wrap: (cmd, args) => ({
        cmd: 'sh',
        args: ['-c', 'for f in $RACETRACK_CGROUP_PROCS; do echo $$ > "$f"; done; exec "$@"', 'racetrack-limits', cmd, ...args],
        env: { RACETRACK_CGROUP_PROCS: groups.map((g) => join(g, 'cgroup.procs')).join(' ') },
      }),
      description: `${memory ? `memory ≤ ${memory} bytes` : ''}${memory && cpu ? ', ' : ''}${cpu ? `cpu ≤ ${cpu}` : ''} (cgroup)`,
      release: () => groups.forEach(removeCgroup),
    };
  }
  if (memory !== undefined && existsSync('/usr/bin/prlimit')) {
    return {
      wrap: (cmd, args) => ({ cmd: 'prlimit', args: [`--as=${memory}`, '--', cmd, ...args], env: {} }),
      description: `address space ≤ ${memory} bytes (rlimit; cpu not limited)`,
      release: () => {},
    };
  }
  return { ...none, description: 'limits not enforced: no writable cgroup and no prlimit on this host' };
}

function makeCgroups(id: string, memory?: number, cpu?: number): string[] | undefined {
  try {
    if (isV2()) {
      const parent = join(V2, 'racetrack');
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(V2, 'cgroup.subtree_control'), '+memory +cpu');
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +cpu');
      const g = join(parent, id);
      mkdirSync(g, { recursive: true });
      if (memory !== undefined) writeFileSync(join(g, 'memory.max'), String(memory));
      if (cpu !== undefined) writeFileSync(join(g, 'cpu.max'), `${Math.round(cpu * CFS_PERIOD_US)} ${CFS_PERIOD_US}`);
      return [g];
    }
    const groups: string[] = [];
    if (memory !== undefined) {
      const g = join(V1, 'memory', 'racetrack', id);
      mkdirSync(g, { recursive: true });
      writeFileSync(join(g, 'memory.limit_in_bytes'), String(memory));
      groups.push(g);
    }
    if (cpu !== undefined) {
      const g = join(V1, 'cpu', 'racetrack', id);
      mkdirSync(g, { recursive: true });
      writeFileSync(join(g, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(join(g, 'cpu.cfs_quota_us'), String(Math.round(cpu * CFS_PERIOD_US)));
      groups.push(g);
    }
    return groups;
  } catch {
    return undefined;
  }
}

function isV2(): boolean {
  const controllers = join(V2, 'cgroup.controllers');
  return existsSync(controllers) && readFileSync(controllers, 'utf8').includes('memory');
}

function removeCgroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still has a process in it, or already gone; the next start's cleanup takes it
  }
}
