// An attacker who owns an IPv6 /64 (what one host is given) against a real server's per-client limits, each
// connection from a fresh address of that /64. Runs inside `unshare -rn` (a private user and network namespace: no
// root needed, nothing on the host touched), where it gives the loopback addresses in a few /64s (each limit is tried
// from a /64 of its own, so connections another step left closing count against none), starts the server on `::` and
// prints one JSON line of what each attempt got. test/e2e/ipv6-clients.test.ts reads it.
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { run, sshArgs, startTestServer } from './harness.js';

/** host `i` of /64 number `net` */
const address = (net: number, i: number): string => `fd00:7c:0:${net}::${(i + 1).toString(16)}`;
const HOSTS = 12;
const NETS = { connections: 0, auth: 2, registrations: 4 };
/** connections per client */
const CAP = 4;

const addresses = Object.values(NETS).flatMap((net) => [...Array.from({ length: HOSTS }, (_, i) => address(net, i)), address(net + 1, 0)]);
execFileSync('ip', ['-batch', '-'], { input: ['link set lo up', ...addresses.map((a) => `addr add ${a}/128 dev lo nodad`)].join('\n') });
const server = await startTestServer({ env: { RACETRACK_BIND: '::', RACETRACK_MAX_CONNECTIONS_PER_ADDRESS: String(CAP) } });
const port = Number(new URL(server.httpUrl).port);
const target = '::1';

/** A kept-alive connection from `from` that asked for /health: 'answered' or 'closed' (unanswered). */
function healthFrom(from: string): Promise<{ outcome: 'answered' | 'closed'; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ host: target, port, localAddress: from }, () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('error', () => {});
    socket.once('data', () => resolve({ outcome: 'answered', socket }));
    socket.once('close', () => resolve({ outcome: 'closed', socket }));
  });
}

/** One API request from `from` on a connection of its own: its status, once that connection is closed. */
function apiFrom(from: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target, port, localAddress: from, method, path: `/lifecycle/api/v1${path}`, headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      res.resume();
      res.socket.once('close', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

try {
  // connection cap: CAP connections from CAP addresses of the /64, then one more from another of its addresses
  const held = await Promise.all(Array.from({ length: CAP }, (_, i) => healthFrom(address(NETS.connections, i))));
  const overCap = await healthFrom(address(NETS.connections, CAP));
  const nextPrefix = await healthFrom(address(NETS.connections + 1, 0));
  for (const c of [...held, overCap, nextPrefix]) c.socket.destroy();

  // failed-auth budget (20 per 10 min): each wrong token from a fresh address, then the right one from yet another
  const wrongToken: number[] = [];
  for (let i = 0; i < 20; i++) wrongToken.push(await apiFrom(address(NETS.auth, i % HOSTS), 'GET', '/job', { 'x-racetrack-auth': `rt_wrong_${i}` }));
  const rightTokenAfter = await apiFrom(address(NETS.auth, HOSTS - 1), 'GET', '/job', { 'x-racetrack-auth': server.token });
  const rightTokenNextPrefix = await apiFrom(address(NETS.auth + 1, 0), 'GET', '/job', { 'x-racetrack-auth': server.token });
  // the budget is the client's on every channel: ssh from another address of that /64 with the admin's own key
  const sshFrom = async (from: string) => (await run('ssh', [...sshArgs(server.keyPath, server.sshPort), '-b', from, 'git@::1', 'whoami'])).code;
  const sshAfter = await sshFrom(address(NETS.auth, HOSTS - 2));
  const sshNextPrefix = await sshFrom(address(NETS.auth + 1, 0));

  // registrations (10 an hour per client): one per fresh address
  const registrations: number[] = [];
  for (let i = 0; i < 11; i++) registrations.push(await apiFrom(address(NETS.registrations, i), 'POST', '/users/register', {}, { username: `squat${i}@example.com`, password: 'password1' }));
  const registrationNextPrefix = await apiFrom(address(NETS.registrations + 1, 0), 'POST', '/users/register', {}, { username: 'next@example.com', password: 'password1' });

  console.log(JSON.stringify({
    held: held.map((c) => c.outcome), overCap: overCap.outcome, nextPrefix: nextPrefix.outcome,
    wrongToken, rightTokenAfter, rightTokenNextPrefix, sshAfter, sshNextPrefix, registrations, registrationNextPrefix,
  }));
} finally {
  await server.cleanup();
}
