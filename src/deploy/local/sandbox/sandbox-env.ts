// The environment a local job or build starts from: a few basics, never the server's own variables
// (its admin token, its database password, whatever its operator exported); the job's or build's variables go on top.

/** PATH inside the sandbox, where only the host's /usr is present */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

export function sandboxEnv(vars: Record<string, string>): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8', ...vars };
}

/** With the sandbox off a job runs on the host as before: the server's PATH and HOME, and the supervisor's pid to watch. */
export function unconfinedEnv(vars: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? SANDBOX_PATH,
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    // the job ends itself if this process dies without stopping it (kill -9); a sandbox needs no such watch
    RACETRACK_SUPERVISOR_PID: String(process.pid),
    ...vars,
  };
}
