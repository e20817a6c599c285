// The start-time check of the local sandbox: the tools are there, the kernel allows what they need, and a trial
// sandbox really runs. A failure names its cause and the fix in one line.
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownTree } from './chown-tree.js';
import { networkArgv, sandboxArgv, type SandboxHost, type SandboxSpec } from './sandbox-argv.js';
import { SANDBOX_PATH } from './sandbox-env.js';
import { spawnSandboxed, withoutPastaNoise } from './spawn-sandboxed.js';
import { systemView } from './system-view.js';

export type SandboxCheck = { ok: true; host: SandboxHost } | { ok: false; problem: string };

const TOOLS = { unshare: 'util-linux', sh: 'dash', setpriv: 'util-linux', pasta: 'passt', bwrap: 'bubblewrap' } as const;
const TUN = '/dev/net/tun';
/** where the staging tmpfs is mounted, in each sandbox's own mount namespace; on the host it stays an empty folder */
const STAGE_DIR = '/run/racetrack-sandbox';
const TRIAL_TIMEOUT_MS = 15_000;
const TRIAL_ATTEMPTS = 3;
const TUN_FIX = `chmod 0666 ${TUN} (what udev does on most systems)`;
const USERNS_FIX = 'allow unprivileged user namespaces (sysctl user.max_user_namespaces=15000 kernel.unprivileged_userns_clone=1 kernel.apparmor_restrict_unprivileged_userns=0, those this kernel has)';

/** @param trial the uid and gid the trial sandbox runs as (the first of the range when the server is root) */
export async function checkSandbox(trial: { uid: number; gid: number }): Promise<SandboxCheck> {
  const privileged = process.getuid?.() === 0;
  const tools = {} as SandboxHost['tools'];
  for (const [tool, pkg] of Object.entries(TOOLS) as [keyof typeof TOOLS, string][]) {
    const path = findTool(tool);
    if (!path) return fail(`${tool} is not installed`, `install the ${pkg} package`);
    tools[tool] = path;
  }
  const kernel = kernelProblem(privileged);
  if (kernel) return kernel;
  if (privileged) mkdirSync(STAGE_DIR, { recursive: true, mode: 0o755 });
  const host: SandboxHost = { tools, privileged, stageDir: STAGE_DIR, ...systemView() };

  // a folder like a job's: inside a 0700 one, so a root server stages it
  const dir = mkdtempSync(join(tmpdir(), 'racetrack-sandbox-check-'));
  try {
    const job = join(dir, 'job');
    mkdirSync(job);
    if (privileged) {
      // root in a user namespace that maps no other uid (`unshare -r`, a rootless container) cannot hand files over
      try {
        chownTree(job, trial.uid, trial.gid);
      } catch (e) {
        return fail(`uid ${trial.uid} cannot own files here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: this user namespace does not map it)`,
          'run the server where RACETRACK_LOCAL_SANDBOX_UIDS are mapped, or set that range to uids it maps');
      }
    }
    const spec: SandboxSpec = { ...trial, mounts: [{ path: job, writable: true }], cwd: job, outboundPorts: [], cmd: '/bin/sh', args: ['-c', 'echo ok > written'] };
    // a busy kernel can refuse one namespace setup (bwrap: "loopback: Failed RTM_NEWADDR"): a cause that stays is tried thrice
    let failure: string | undefined;
    for (let attempt = 0; attempt < TRIAL_ATTEMPTS; attempt++) {
      failure = await runTrial(spec, host);
      if (!failure) break;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    if (failure) return fail(`a trial sandbox failed: ${failure}`, fixFor(failure));
    if (!existsSync(join(job, 'written'))) return fail('a trial sandbox could not write its folder', 'see "Sandbox" in the README');
    return { ok: true, host };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** the fix for what a trial said, where it names a known cause */
function fixFor(failure: string): string {
  if (/namespace|uid map/i.test(failure)) return USERNS_FIX;
  if (/tun/i.test(failure)) return TUN_FIX;
  return 'see "Sandbox" in the README';
}

function fail(cause: string, fix: string): SandboxCheck {
  return { ok: false, problem: `${cause}; fix: ${fix}, or set RACETRACK_LOCAL_SANDBOX=off to run local jobs unconfined` };
}

function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** What the kernel must allow: a tun device the job's uid may open, and unprivileged user namespaces. */
function kernelProblem(privileged: boolean): SandboxCheck | undefined {
  if (!existsSync(TUN)) return fail(`${TUN} does not exist`, 'load the tun module (modprobe tun)');
  if (privileged && (statSync(TUN).mode & 0o006) !== 0o006) {
    const mode = (statSync(TUN).mode & 0o777).toString(8).padStart(4, '0');
    return fail(`${TUN} is mode ${mode}, so the sandbox uids cannot open it`, TUN_FIX);
  }
  if (!privileged) {
    try {
      accessSync(TUN, constants.R_OK | constants.W_OK);
    } catch {
      return fail(`${TUN} cannot be opened by uid ${process.getuid?.()}`, TUN_FIX);
    }
  }
  const sysctls: [string, string, string][] = [
    ['user/max_user_namespaces', '0', 'sysctl -w user.max_user_namespaces=15000'],
    ['kernel/unprivileged_userns_clone', '0', 'sysctl -w kernel.unprivileged_userns_clone=1'],
    ['kernel/apparmor_restrict_unprivileged_userns', '1', 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'],
  ];
  for (const [key, bad, fix] of sysctls) {
    const value = readSysctl(key);
    if (value === bad) return fail(`unprivileged user namespaces are not allowed (${key.replace('/', '.')} = ${value})`, fix);
  }
  return undefined;
}

function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined; // this kernel has no such switch
  }
}

/** Resolves with the trial's last meaningful line of output when it fails, undefined when it ran. */
function runTrial(spec: SandboxSpec, host: SandboxHost): Promise<string | undefined> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (text: string) => (output = (output + withoutPastaNoise(text)).slice(-4000));
    const child = spawnSandboxed({
      argv: sandboxArgv(spec, host), env: { PATH: SANDBOX_PATH }, cwd: '/', detached: false, outboundPorts: [],
      network: (pid) => networkArgv(spec, host, pid), onOutput: keep,
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TRIAL_TIMEOUT_MS);
    child.stdout!.on('data', (b: Buffer) => keep(b.toString()));
    child.stderr!.on('data', (b: Buffer) => keep(b.toString()));
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(undefined);
      const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
      resolve(lines.at(-1) ?? (signal ? `killed by ${signal}` : `exit code ${code}`));
    });
  });
}
