// Jobs and their builds are the kernel's first choice when memory runs out, the server never: a job that leaks the
// host's memory ends itself, not the platform and every other job with it. A process may raise its own
// oom_score_adj without privilege, and what it starts inherits it. A job may lower its own back to 0, the server's
// (then the larger process goes first), never below it: a hostile job is bounded by resources.memory_max.
/** the most a process can be preferred for killing; Docker containers get the same (container-confinement.ts) */
export const JOB_OOM_SCORE_ADJ = 1000;

/** cmd, started with its oom_score_adj at JOB_OOM_SCORE_ADJ (where /proc cannot be written, as it was) */
export function oomFirst(cmd: string, args: string[]): { cmd: string; args: string[] } {
  const script = `echo ${JOB_OOM_SCORE_ADJ} > /proc/self/oom_score_adj 2>/dev/null; exec "$@"`;
  return { cmd: 'sh', args: ['-c', script, 'racetrack-oom-first', cmd, ...args] };
}
