// PluginsService over a real store, auth and audit log: installs race for nothing, in-use counts come from what
// deployed versions were built with, and every attempt (refused or not) is audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import yazl from 'yazl';
import { auditStore, escStore, openDatabase, tokenStore, userStore } from '../db/index.js';
import { SecretBox } from '../secrets/index.js';
import { AuthService } from '../auth/index.js';
import { AuditLog } from '../audit/index.js';
import { PluginStore } from './plugin-store.js';
import { PluginsService, type DeployedVersion } from './plugins-service.js';

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), path);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const plugin = (version: string) => zipOf({
  'plugin.yaml': `name: tiny\nversion: ${version}\ncategory: job-type\ndescription: tiny\n`,
  'plugin.js': 'export const jobType = {};\n',
});

async function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'rt-plugins-service-'));
  const db = openDatabase(join(root, 'db.sqlite'));
  const auth = new AuthService(userStore(db), tokenStore(db), escStore(db), new SecretBox(randomBytes(32)));
  const audit = new AuditLog(auditStore(db));
  const store = new PluginStore({
    builtInRoots: [],
    installRoot: join(root, 'plugins'),
    checks: { 'job-type': (m) => (typeof m.jobType === 'object' ? [] : ['no jobType']), infrastructure: () => ['not loaded'] },
  });
  await store.loadAll();
  const deployed: DeployedVersion[] = [];
  const service = new PluginsService({ store, auth, audit, deployedVersions: () => deployed });
  await auth.createUser('admin@example.com', { admin: true });
  await auth.createUser('dev@example.com');
  const as = (email: string) => auth.authenticate(auth.createToken(`user:${email}`, 't').token)!;
  return { root, auth, audit, service, deployed, admin: as('admin@example.com'), dev: as('dev@example.com') };
}

test('two installs of the same version at once: one installs, the other is refused, one copy on disk', async () => {
  const { root, service, admin } = await setUp();
  const zip = await plugin('1.0.0');
  const results = await Promise.allSettled([service.install(admin, async () => zip), service.install(admin, async () => zip)]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.match(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason), /tiny@1\.0\.0 is already installed/);
  assert.equal(readdirSync(join(root, 'plugins', 'tiny')).length, 1);
});

test('in use: counted from the versions built with that plugin version; removal is refused until they go', async () => {
  const { service, admin, deployed } = await setUp();
  await service.install(admin, async () => plugin('1.0.0'));
  await service.install(admin, async () => plugin('2.0.0'));
  deployed.push({ name: 'adder', version: '0.1.0', artifact: { jobType: 'tiny', jobTypeVersion: '1.0.0' } });
  deployed.push({ name: 'other', version: '0.2.0', artifact: { jobType: 'python3', jobTypeVersion: '1.0.0' } });
  assert.deepEqual(service.list().map((p) => [p.version, p.in_use, p.used_by]), [['1.0.0', 1, ['adder v0.1.0']], ['2.0.0', 0, []]]);
  await assert.rejects(service.remove(admin, 'tiny'), /plugin tiny@1\.0\.0 is in use by adder v0\.1\.0/);
  assert.equal(service.list().length, 2, 'removing NAME is all or nothing');
  deployed.pop();
  deployed.pop();
  assert.deepEqual(await service.remove(admin, 'tiny'), [{ name: 'tiny', version: '1.0.0' }, { name: 'tiny', version: '2.0.0' }]);
});

test('a non-admin is refused before its upload is read; every attempt is audited', async () => {
  const { service, dev, admin, audit } = await setUp();
  let read = false;
  await assert.rejects(service.install(dev, async () => { read = true; return plugin('1.0.0'); }), /this needs an admin/);
  assert.equal(read, false);
  await assert.rejects(service.install(admin, async () => Buffer.alloc(0)), /plugin: the zip is empty/);
  await service.install(admin, async () => plugin('1.0.0'));
  await assert.rejects(service.remove(dev, 'tiny', '1.0.0'), /this needs an admin/);
  const events = audit.list().map((e) => `${e.actor} ${e.action} ${e.ok ? 'ok' : 'refused'}: ${e.detail}`);
  assert.deepEqual(events.reverse(), [
    'user:dev@example.com plugin.install refused: refused: this needs an admin',
    'user:admin@example.com plugin.install refused: refused: plugin: the zip is empty',
    'user:admin@example.com plugin.install ok: tiny@1.0.0 (job-type)',
    'user:dev@example.com plugin.remove refused: refused tiny@1.0.0: this needs an admin',
  ]);
});
