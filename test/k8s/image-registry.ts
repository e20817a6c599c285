// A real image registry for the tests: Debian's docker-registry (the CNCF distribution) on a free loopback port, with
// its storage in a temp folder. The engine treats a 127.0.0.0/8 registry as plain HTTP, so no TLS is needed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/deploy/free-port.js';

export interface TestRegistry {
  /** host:port, what RACETRACK_IMAGE_REGISTRY is set to */
  address: string;
  /** where it keeps images: a registry started on it later serves them, and need not be pushed them again */
  storage: string;
  /** @param keepStorage leave the images for a registry started on the same storage */
  close(opts?: { keepStorage?: boolean }): Promise<void>;
}

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
/** apache2-utils' htpasswd: the bcrypt password file the registry's htpasswd auth reads */
export const HTPASSWD_BINARY = '/usr/bin/htpasswd';

/**
 * @param readOnly a registry that refuses every push (its maintenance read-only mode)
 * @param port to take the place of a registry closed before (0 or none: any free port)
 * @param login a registry that takes pushes and pulls from this user only (htpasswd auth)
 * @param storage the images of a registry closed with keepStorage (this one then removes them when closed)
 */
export async function startRegistry(opts: { readOnly?: boolean; port?: number; login?: { username: string; password: string }; storage?: string } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-registry-'));
  const storage = opts.storage ?? join(dir, 'data');
  const port = opts.port || await freePort();
  if (opts.login) {
    const made = spawnSync(HTPASSWD_BINARY, ['-nbB', opts.login.username, opts.login.password], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`);
    writeFileSync(join(dir, 'htpasswd'), made.stdout);
  }
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: {level: error}',
    'storage:',
    `  filesystem: {rootdirectory: ${storage}}`,
    ...(opts.readOnly ? ['  maintenance: {readonly: {enabled: true}}'] : []),
    ...(opts.login ? [`auth: {htpasswd: {realm: racetrack-test, path: ${join(dir, 'htpasswd')}}}`] : []),
    `http: {addr: "127.0.0.1:${port}"}`,
    '',
  ].join('\n'));
  const proc: ChildProcess = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  // 401 is an answer too: a registry with auth asks for the login
  while (!(await fetch(`http://${address}/v2/`).then((r) => r.ok || r.status === 401, () => false))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`docker-registry did not start: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address,
    storage,
    async close({ keepStorage = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      if (!keepStorage) rmSync(storage, { recursive: true, force: true });
    },
  };
}
