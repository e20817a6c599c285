import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseManifest } from './parse-manifest.js';
import type { ManifestResult } from './types.js';

const FIELDS = [
  'name', 'owner_email', 'jobtype', 'lang', 'version', 'git', 'jobtype_extra', 'python', 'golang', 'docker', 'wrapper_properties',
  'build_env', 'runtime_env', 'secret_build_env_file', 'secret_runtime_env_file', 'labels', 'public_endpoints', 'replicas',
  'resources', 'infrastructure_target', 'extends', 'system_dependencies', 'image_type', '__proto__', 'constructor',
];

// Any text the base manifest might hold, keyed by a few plausible paths.
const files: Record<string, string> = {
  'base.yaml': 'name: base\njobtype: python3\nresources: {cpu_min: 10m}\n',
  'loop.yaml': 'extends: loop.yaml\n',
  'bad.yaml': 'a: [\n',
};
const opts = {
  path: 'jobs/job.yaml',
  readFile: (p: string) => files[p] ?? (p.includes('job') ? 'name: x\n' : undefined),
  validateJobtypeExtra: ({ name }: { name: string }, extra: Record<string, unknown>) => (name === 'python3' && !('entrypoint_path' in extra) ? ['entrypoint_path: is required'] : []),
};

function assertWellFormed(result: ManifestResult): void {
  assert.ok(Array.isArray(result.warnings));
  for (const w of result.warnings) assert.equal(typeof w, 'string');
  if (result.ok) {
    assert.equal(typeof result.manifest.name, 'string');
    assert.equal(typeof result.manifest.jobtype, 'string');
    return;
  }
  assert.ok(result.errors.length > 0);
  for (const e of result.errors) {
    assert.equal(typeof e.field, 'string');
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0);
  }
}

const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('1.0', '0.0.1', '512Mi', '100m', '/x', 'python3:latest', 'adder'));
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...FIELDS, 'memory_max', 'cpu_min', 'remote', 'PORT')), tie('value'), { maxKeys: 5 }),
})).value;
const manifestLike = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), value, { maxKeys: 12 });

test('parseManifest never throws on random text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => assertWellFormed(parseManifest(text, opts))),
    { numRuns: 3000 },
  );
});

test('parseManifest never throws on YAML-ish text built from manifest tokens', () => {
  const token = fc.constantFrom('name:', ' adder', '\n', '  ', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '<<: ', '!!binary ', '? ', '"', "'", '#', ':', '---\n', 'extends: ', 'base.yaml', '1.0', '\t');
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }), (tokens) => assertWellFormed(parseManifest(tokens.join(''), opts))),
    { numRuns: 3000 },
  );
});

test('parseManifest never throws on random YAML mappings and values', () => {
  fc.assert(
    fc.property(fc.oneof(manifestLike, value), (data) => assertWellFormed(parseManifest(stringify(data), opts))),
    { numRuns: 3000 },
  );
});
