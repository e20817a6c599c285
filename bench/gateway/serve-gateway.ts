// The pub gateway alone in its own process, as the server mounts it: behind the server's HTTP listener (its
// connection caps and body watch), auth on (the server's AuthService on a SQLite file), 1,000 versions routed.
// argv: UPSTREAM_ADDRESS TOKEN
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthService } from '../../src/auth/index.js';
import { escStore, openDatabase, tokenStore, userStore } from '../../src/db/index.js';
import { createGateway, InMemoryAsyncTaskStore, RouteTable, type RouteVersion } from '../../src/router/index.js';
import type { SmartHttpDeps } from '../../src/git-receive/index.js';
import { SecretBox } from '../../src/secrets/index.js';
import { CallHistory } from '../../src/dashboard/index.js';
import { CallActivity } from '../../src/jobs/index.js';
import { CallRecorder } from '../../src/server/call-recorder.js';
import { createHttpApp } from '../../src/server/http-app.js';
import { noteCall } from '../../src/server/note-call.js';
import { tuneGarbageCollection } from '../../src/server/tune-gc.js';

tuneGarbageCollection(); // as the server does first
const [upstream = '', token = ''] = process.argv.slice(2);
const JOBS = 200;
const VERSIONS_PER_JOB = 5;

const routes = new RouteTable();
const table: RouteVersion[] = [];
for (let j = 0; j < JOBS; j++) {
  for (let v = 0; v < VERSIONS_PER_JOB; v++) {
    // job-0 is the one called; the others are there so lookups run against a realistic table
    table.push({ name: `job-${j}`, version: `1.${v}.0`, status: 'running', upstreams: [j === 0 ? upstream : `127.0.0.1:${20000 + j}`], publicEndpoints: ['/api/v1/public'], promoted: true });
  }
}
routes.replaceAll(table);

// the caller is an ESC granted call_job on the job called, as a client system would be
const dataDir = mkdtempSync(join(tmpdir(), 'rt-bench-auth-'));
const db = openDatabase(join(dataDir, 'db.sqlite'));
const authorizer = new AuthService(userStore(db), tokenStore(db), escStore(db), new SecretBox(randomBytes(32)));
authorizer.createEsc('bench');
authorizer.grant('esc:bench', 'job-0', 'call_job');
authorizer.adoptToken('esc:bench', 'bench', token);
// the server's own bookkeeping of every call (its writes to the store are batched; here they go nowhere)
const onCall = noteCall(new CallRecorder(() => {}), new CallHistory(), new CallActivity());
const gateway = createGateway({ routes, authorizer, authRequired: true, asyncTasks: new InMemoryAsyncTaskStore(), onCall });
const elsewhere = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(404).end();
const server = createHttpApp({
  gateway,
  // only /pub is called here
  git: {} as SmartHttpDeps,
  lifecycle: elsewhere,
  dashboard: elsewhere,
  health: () => ({}),
  metrics: () => '',
  pubUrl: () => '',
  // the server's defaults
  limits: { headTimeoutMs: 30_000, body: { idleMs: 30_000, minRate: 1024 }, connections: { total: 10_000, perAddress: 512 } },
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port} ${routes.list().length}`));
const stop = (): void => {
  db.$client.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
