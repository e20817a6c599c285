// PluginStore: plugins load from built-in and installed folders alike, a misfit is skipped with its reason,
// installs are all-or-nothing, versions live side by side, removal is refused while a plugin is in use.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { PluginStore, type LoadedPlugin } from './plugin-store.js';

const checks = {
  'job-type': (m: Record<string, unknown>) => (typeof m.jobType === 'object' && m.jobType !== null ? [] : ['it exports no jobType object']),
  infrastructure: () => ['infrastructure plugins are checked elsewhere'],
};

const manifest = (name: string, version: string, extra = '') =>
  `name: ${name}\nversion: ${version}\ncategory: job-type\ndescription: test plugin\n${extra}`;
const MODULE = 'export const jobType = { answer: 42 };\n';

function writePlugin(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
}

function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), path);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function storeIn(root: string): PluginStore {
  return new PluginStore({ builtInRoots: [join(root, 'builtin')], installRoot: join(root, 'installed'), checks });
}

const ids = (ps: readonly LoadedPlugin[]) => ps.map((p) => `${p.manifest.name}@${p.manifest.version}`).sort();

describe('PluginStore', () => {
  test('built-in and installed plugins load alike; misfits are skipped, each with its reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rt-plugins-'));
    writePlugin(join(root, 'builtin', 'good'), { 'plugin.yaml': manifest('good', '1.0.0'), 'plugin.js': MODULE });
    writePlugin(join(root, 'builtin', 'nofield'), { 'plugin.yaml': 'name: nofield\nversion: 1.0.0\ncategory: job-type\n', 'plugin.js': MODULE });
    writePlugin(join(root, 'builtin', 'broken'), { 'plugin.yaml': manifest('broken', '1.0.0'), 'plugin.js': 'export const = ;' });
    writePlugin(join(root, 'builtin', 'misfit'), { 'plugin.yaml': manifest('misfit', '1.0.0'), 'plugin.js': 'export const other = 1;\n' });
    writePlugin(join(root, 'installed', 'good', '2.0.0'), { 'plugin.yaml': manifest('good', '2.0.0'), 'plugin.js': MODULE });
    const store = storeIn(root);
    await store.loadAll();
    assert.deepEqual(ids(store.list().loaded), ['good@1.0.0', 'good@2.0.0']);
    const reasons = Object.fromEntries(store.list().skipped.map((s) => [s.dir.split('/').pop(), s.reason]));
    assert.match(reasons.nofield!, /description: is required/);
    assert.match(reasons.broken!, /module plugin\.js does not load/);
    assert.match(reasons.misfit!, /does not fit a job-type plugin: it exports no jobType object/);
    assert.equal(store.find('job-type', 'good')?.manifest.version, '2.0.0');
    assert.equal(store.find('job-type', 'good', '1.0.0')?.builtIn, true);
    assert.equal(store.find('job-type', 'good', '3.0.0'), undefined);
  });

  test('a zip installs without a restart, beside the other versions; a folder zipped whole works too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rt-plugins-'));
    const store = storeIn(root);
    await store.loadAll();
    await store.install(await zipOf({ 'plugin.yaml': manifest('extra', '1.0.0'), 'plugin.js': MODULE }));
    await store.install(await zipOf({ 'extra/plugin.yaml': manifest('extra', '1.1.0'), 'extra/plugin.js': MODULE, 'extra/lib/x.txt': 'x' }));
    assert.deepEqual(ids(store.list().loaded), ['extra@1.0.0', 'extra@1.1.0']);
    assert.ok(existsSync(join(store.find('job-type', 'extra', '1.1.0')!.dir, 'lib', 'x.txt')));
    assert.match(store.find('job-type', 'extra', '1.1.0')!.dir, /\/installed\/extra\/1\.1\.0~[0-9a-f]{12}$/);
    const again = storeIn(root);
    await again.loadAll();
    assert.deepEqual(ids(again.list().loaded), ['extra@1.0.0', 'extra@1.1.0']);
  });

  test('a zip with a missing field, a misfit module, a path out of the zip, a link, or a name clash is refused; nothing stays', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rt-plugins-'));
    writePlugin(join(root, 'builtin', 'base'), { 'plugin.yaml': manifest('base', '1.0.0'), 'plugin.js': MODULE });
    const store = storeIn(root);
    await store.loadAll();
    await assert.rejects(store.install(await zipOf({ 'plugin.yaml': 'name: x\nversion: 1.0.0\ncategory: job-type\n', 'plugin.js': MODULE })), /description: is required/);
    await assert.rejects(store.install(await zipOf({ 'plugin.yaml': manifest('x', '1.0.0'), 'plugin.js': 'export const y = 1;' })), /does not fit/);
    await assert.rejects(store.install(await zipOf({ 'plugin.yaml': manifest('base', '1.0.0'), 'plugin.js': MODULE })), /base@1\.0\.0 is already installed/);
    await assert.rejects(store.install(Buffer.from('not a zip')), /not a zip archive/);
    // "ab/e" patched to "../e" in both of the zip's name fields
    const escaping = await zipOf({ 'plugin.yaml': manifest('esc', '1.0.0'), 'plugin.js': MODULE, 'ab/e': 'x' });
    const patched = Buffer.from(escaping.toString('latin1').replaceAll('ab/e', '../e'), 'latin1');
    await assert.rejects(store.install(patched), /plugin: /);
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(manifest('lnk', '1.0.0')), 'plugin.yaml');
    zip.addBuffer(Buffer.from('/etc/passwd'), 'link', { mode: 0o120777 });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    await assert.rejects(store.install(Buffer.concat(chunks)), /"link" is a link or a special file/);
    assert.deepEqual(readdirSync(join(root, 'installed')), []);
    assert.ok(!existsSync(join(root, '..', 'e')));
    assert.deepEqual(ids(store.list().loaded), ['base@1.0.0']);
  });

  test('removal: refused for built-ins and plugins in use; otherwise gone from disk and from the store', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rt-plugins-'));
    writePlugin(join(root, 'builtin', 'base'), { 'plugin.yaml': manifest('base', '1.0.0'), 'plugin.js': MODULE });
    const store = storeIn(root);
    await store.loadAll();
    await store.install(await zipOf({ 'plugin.yaml': manifest('base', '2.0.0'), 'plugin.js': MODULE }));
    assert.throws(() => store.remove('base', '1.0.0', () => undefined), /built in and cannot be removed/);
    assert.throws(() => store.remove('base', '2.0.0', () => 'adder 1.0.0'), /base@2\.0\.0 is in use by adder 1\.0\.0/);
    assert.throws(() => store.remove('nope', undefined, () => undefined), /no plugin nope is installed/);
    const dir = store.find('job-type', 'base', '2.0.0')!.dir;
    assert.deepEqual(store.remove('base', '2.0.0', () => undefined).map((m) => m.version), ['2.0.0']);
    assert.ok(!existsSync(dir));
    assert.ok(!existsSync(join(root, 'installed', 'base')), 'the empty NAME folder goes too');
    assert.equal(store.find('job-type', 'base')?.manifest.version, '1.0.0');
    // NAME alone: its installed versions go, the built-in one stays; with none installed, the built-in one is refused
    await store.install(await zipOf({ 'plugin.yaml': manifest('base', '4.0.0'), 'plugin.js': MODULE }));
    assert.deepEqual(store.remove('base', undefined, () => undefined).map((m) => m.version), ['4.0.0']);
    assert.throws(() => store.remove('base', undefined, () => undefined), /base@1\.0\.0 is built in and cannot be removed/);
  });
  test('a version removed and installed again, or refused and fixed, serves its new module; a skipped copy can be removed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rt-plugins-'));
    const store = storeIn(root);
    await store.loadAll();
    await store.install(await zipOf({ 'plugin.yaml': manifest('re', '1.0.0'), 'plugin.js': 'export const jobType = { answer: 1 };\n' }));
    store.remove('re', undefined, () => undefined);
    await store.install(await zipOf({ 'plugin.yaml': manifest('re', '1.0.0'), 'plugin.js': 'export const jobType = { answer: 2 };\n' }));
    assert.deepEqual(store.find('job-type', 're')!.module.jobType, { answer: 2 });
    await assert.rejects(store.install(await zipOf({ 'plugin.yaml': manifest('fix', '1.0.0'), 'plugin.js': 'export const = ;' })), /does not load/);
    await store.install(await zipOf({ 'plugin.yaml': manifest('fix', '1.0.0'), 'plugin.js': MODULE }));
    assert.deepEqual(store.find('job-type', 'fix')!.module.jobType, { answer: 42 });
    // a copy that does not load at start (its module broke on disk) is listed as skipped and can be removed
    writePlugin(join(root, 'installed', 'bad', '1.0.0~abc'), { 'plugin.yaml': manifest('bad', '1.0.0'), 'plugin.js': 'export const = ;' });
    const again = storeIn(root);
    await again.loadAll();
    assert.deepEqual(again.list().skipped.map((s) => `${s.name}@${s.version}`), ['bad@1.0.0']);
    assert.deepEqual(again.remove('bad', '1.0.0', () => undefined), [{ name: 'bad', version: '1.0.0' }]);
    assert.deepEqual(again.list().skipped, []);
    assert.ok(!existsSync(join(root, 'installed', 'bad')));
  });
});
