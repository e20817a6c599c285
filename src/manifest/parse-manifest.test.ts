import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../core/errors.js';
import { MAX_MANIFEST_BYTES } from './read-yaml-mapping.js';
import { parseManifest } from './parse-manifest.js';
import type { Manifest, ParseManifestOptions } from './types.js';

const MINIMAL = 'name: adder\njobtype: python3:latest\n';

function parse(text: string, opts: Partial<ParseManifestOptions> & { files?: Record<string, string> } = {}) {
  const { files = {}, ...rest } = opts;
  return parseManifest(text, { path: 'job.yaml', readFile: (p) => files[p], ...rest });
}

function manifestOf(text: string, opts?: Parameters<typeof parse>[1]): { manifest: Manifest; warnings: string[] } {
  const result = parse(text, opts);
  if (!result.ok) assert.fail(`expected a valid manifest, got ${JSON.stringify(result.errors)}`);
  return result;
}

function errorsOf(text: string, opts?: Parameters<typeof parse>[1]): FieldError[] {
  const result = parse(text, opts);
  if (result.ok) assert.fail(`expected errors, got ${JSON.stringify(result.manifest)}`);
  return result.errors;
}

/** The single error on `field`, asserting there is exactly one. */
function errorOn(text: string, field: string, opts?: Parameters<typeof parse>[1]): string {
  const on = errorsOf(text, opts).filter((e) => e.field === field);
  assert.equal(on.length, 1, `one error on ${field}: ${JSON.stringify(errorsOf(text, opts))}`);
  return on[0]!.message;
}

describe('parseManifest: a minimal manifest', () => {
  test('gets every default', () => {
    assert.deepEqual(parse(MINIMAL), {
      ok: true,
      manifest: {
        name: 'adder',
        jobtype: 'python3:latest',
        version: '0.0.1',
        jobtype_extra: {},
        build_env: {},
        runtime_env: {},
        labels: {},
        public_endpoints: [],
        replicas: 1,
        resources: {},
        system_dependencies: [],
      },
      warnings: [],
    });
  });

  test('a full manifest keeps every field', () => {
    const { manifest, warnings } = manifestOf(`
name: adder
owner_email: dev@example.com
jobtype: python3:1.2.3
version: 1.2.3-rc.1
git: {remote: https://github.com/x/y, branch: main, directory: jobs/adder}
jobtype_extra: {entrypoint_path: adder.py, max_concurrency: 2}
build_env: {PIP_INDEX_URL: "https://pypi"}
runtime_env: {DEBUG: "true", EMPTY: ""}
labels: {team: ml, tier: 2, public: true, note: ~}
public_endpoints: [/api/v1/perform, /docs]
replicas: 3
resources: {memory_min: 256Mi, memory_max: 1Gi, cpu_min: 10m, cpu_max: 2}
infrastructure_target: docker
system_dependencies: [libgomp1, g++, python3.11-dev]
`);
    assert.deepEqual(manifest, {
      name: 'adder',
      owner_email: 'dev@example.com',
      jobtype: 'python3:1.2.3',
      version: '1.2.3-rc.1',
      git: { remote: 'https://github.com/x/y', branch: 'main', directory: 'jobs/adder' },
      jobtype_extra: { entrypoint_path: 'adder.py', max_concurrency: 2 },
      build_env: { PIP_INDEX_URL: 'https://pypi' },
      runtime_env: { DEBUG: 'true', EMPTY: '' },
      labels: { team: 'ml', tier: '2', public: 'true', note: '' },
      public_endpoints: ['/api/v1/perform', '/docs'],
      replicas: 3,
      resources: { memory_min: '256Mi', memory_max: '1Gi', cpu_min: '10m', cpu_max: '2' },
      infrastructure_target: 'docker',
      system_dependencies: ['libgomp1', 'g++', 'python3.11-dev'],
    });
    assert.deepEqual(warnings, []);
  });

  test('a key with no value counts as absent', () => {
    const { manifest } = manifestOf(`${MINIMAL}version:\nlabels:\nreplicas:\n`);
    assert.equal(manifest.version, '0.0.1');
    assert.equal(manifest.replicas, 1);
    assert.deepEqual(manifest.labels, {});
  });
});

describe('parseManifest: YAML', () => {
  test('malformed YAML gives one error with line and column on field ""', () => {
    const errors = errorsOf('name: adder\njobtype: [python3\nversion: 1.0.0\n');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.field, '');
    assert.match(errors[0]!.message, /^line \d+, column \d+: /);
  });

  test('a tab-indented or duplicate-key file gives the line of the problem', () => {
    assert.match(errorsOf('name: adder\nname: other\n')[0]!.message, /^line 2, column 1: .*unique/);
  });

  test('a top level that is not a mapping is an error', () => {
    assert.match(errorsOf('- a\n- b\n')[0]!.message, /must be a mapping of fields, not a list/);
    assert.match(errorsOf('just text\n')[0]!.message, /must be a mapping of fields, not a string/);
    assert.match(errorsOf('')[0]!.message, /is empty/);
    assert.match(errorsOf('# only a comment\n')[0]!.message, /is empty/);
  });

  test('more than one YAML document is an error', () => {
    assert.match(errorsOf(`${MINIMAL}---\nname: b\n`)[0]!.message, /^line 3, column 1: .*multiple documents/);
  });

  test('an alias bomb is refused', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const errors = errorsOf(`${MINIMAL}${lines.join('\n')}\n`);
    assert.deepEqual(errors, [{ field: '', message: 'uses too many YAML aliases (limit 100)' }]);
  });

  test('a self-referencing alias is refused, not looped over', () => {
    assert.match(errorOn(`${MINIMAL}labels: &l {x: *l}\n`, 'labels.x'), /refers to itself/);
  });

  test('an alias to a missing anchor is a plain YAML error', () => {
    assert.match(errorsOf(`${MINIMAL}labels: *nope\n`)[0]!.message, /nope/);
  });

  test('a file over MAX_MANIFEST_BYTES is refused, naming its size', () => {
    const text = `${MINIMAL}# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`;
    const size = Buffer.byteLength(text);
    assert.deepEqual(errorsOf(text), [{ field: '', message: `is ${size} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes` }]);
  });

  test('__proto__ keys are ordinary keys, never prototypes', () => {
    assert.equal(errorOn(`${MINIMAL}__proto__: {polluted: true}\n`, '__proto__'), 'unknown field');
    const { manifest } = manifestOf(`${MINIMAL}labels: {__proto__: x}\n`);
    assert.equal(Object.getOwnPropertyDescriptor(manifest.labels, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('merge keys (<<) work as in PyYAML', () => {
    const env = manifestOf(`${MINIMAL}build_env: &env {A: "1"}\nruntime_env: {<<: *env, B: "2"}\n`).manifest.runtime_env;
    assert.deepEqual(env, { A: '1', B: '2' });
  });

  test('a mapping used as a key is an error, not a warning printed by the yaml package', () => {
    assert.match(errorOn(`${MINIMAL}labels: {? [a]: b}\n`, 'labels'), /keys must be plain words/);
  });
});

describe('parseManifest: fields and errors', () => {
  test('unknown top-level fields are rejected, each named', () => {
    const errors = errorsOf(`${MINIMAL}replica: 2\nport: 80\n`);
    assert.deepEqual(errors, [
      { field: 'replica', message: 'unknown field' },
      { field: 'port', message: 'unknown field' },
    ]);
  });

  test('all errors are reported at once', () => {
    const errors = errorsOf(`
name: -bad
jobtype: python3:1.0
version: 1.0
replicas: 99
runtime_env: {PORT: 80}
resources: {memory_max: lots}
infrastructure_target: AWS
extra: 1
`);
    assert.deepEqual(errors.map((e) => e.field).sort(), [
      'extra', 'infrastructure_target', 'jobtype', 'name', 'replicas', 'resources.memory_max', 'runtime_env.PORT', 'version',
    ]);
    for (const e of errors) assert.ok(e.message.length > 0);
  });

  test('name is required and follows the job-name rule', () => {
    assert.equal(errorOn('jobtype: python3\n', 'name'), 'is required');
    assert.equal(errorOn('name: ~\njobtype: python3\n', 'name'), 'is required');
    assert.match(errorOn('name: _adder\njobtype: python3\n', 'name'), /^"_adder" must start with a letter or a digit$/);
    assert.match(errorOn(`name: ${'a'.repeat(64)}\njobtype: python3\n`, 'name'), /64 characters long; the limit is 63/);
    assert.match(errorOn('name: a/b\njobtype: python3\n', 'name'), /contains "\/"/);
    assert.equal(errorOn('name: 123\njobtype: python3\n', 'name'), 'must be a string, not a number; quote it: "123"');
    assert.equal(manifestOf('name: My_Job.v2\njobtype: python3\n').manifest.name, 'My_Job.v2');
  });

  test('owner_email is optional and must look like an email', () => {
    assert.equal(manifestOf(MINIMAL).manifest.owner_email, undefined);
    assert.equal(manifestOf(`${MINIMAL}owner_email: root@localhost\n`).manifest.owner_email, 'root@localhost');
    assert.equal(errorOn(`${MINIMAL}owner_email: nobody\n`, 'owner_email'), '"nobody" is not an email address');
    assert.match(errorOn(`${MINIMAL}owner_email: [a@b.c]\n`, 'owner_email'), /must be a string, not a list/);
  });

  test('jobtype is required and must be NAME, NAME:latest or NAME:x.y.z', () => {
    assert.match(errorOn('name: adder\n', 'jobtype'), /^is required/);
    assert.equal(manifestOf('name: a\njobtype: python3\n').manifest.jobtype, 'python3');
    assert.equal(manifestOf('name: a\njobtype: python3:2.4.0\n').manifest.jobtype, 'python3:2.4.0');
    assert.equal(errorOn('name: a\njobtype: python3:2.4\n', 'jobtype'), '"python3:2.4" is not NAME, NAME:latest or NAME:x.y.z');
    assert.match(errorOn('name: a\njobtype: 3\n', 'jobtype'), /must be a string/);
  });

  test('lang is accepted as jobtype with a warning; both given is an error', () => {
    const { manifest, warnings } = manifestOf('name: a\nlang: python3:latest\n');
    assert.equal(manifest.jobtype, 'python3:latest');
    assert.deepEqual(warnings, ['lang is deprecated, use jobtype']);
    assert.match(errorOn('name: a\nlang: python3\njobtype: python3\n', 'lang'), /jobtype or lang, not both/);
    assert.match(errorOn('name: a\nlang: python3:x\n', 'lang'), /is not NAME, NAME:latest or NAME:x.y.z/);
  });

  test('version must be x.y.z[-label]; the error quotes the YAML source text', () => {
    assert.equal(manifestOf(`${MINIMAL}version: 0.2.0-dev\n`).manifest.version, '0.2.0-dev');
    assert.equal(errorOn(`${MINIMAL}version: 1.0\n`, 'version'), '"1.0" is not a semantic version x.y.z');
    assert.equal(errorOn(`${MINIMAL}version: "1.0"\n`, 'version'), '"1.0" is not a semantic version x.y.z');
    assert.equal(errorOn(`${MINIMAL}version: 1.10\n`, 'version'), '"1.10" is not a semantic version x.y.z');
    assert.equal(errorOn(`${MINIMAL}version: 2\n`, 'version'), '"2" is not a semantic version x.y.z');
    assert.equal(errorOn(`${MINIMAL}version: v1.2.3\n`, 'version'), '"v1.2.3" is not a semantic version x.y.z');
    assert.match(errorOn(`${MINIMAL}version: [1, 2]\n`, 'version'), /not a list/);
  });

  test('git is an optional map of remote, branch and directory', () => {
    assert.deepEqual(manifestOf(`${MINIMAL}git: {remote: https://x/y}\n`).manifest.git, { remote: 'https://x/y' });
    assert.match(errorOn(`${MINIMAL}git: {remote: r, tag: v1}\n`, 'git.tag'), /unknown field; expected one of remote, branch, directory/);
    assert.match(errorOn(`${MINIMAL}git: {branch: 1}\n`, 'git.branch'), /must be a string/);
    assert.match(errorOn(`${MINIMAL}git: https://x/y\n`, 'git'), /must be a mapping/);
  });

  test('build_env and runtime_env are str → str maps with env var names', () => {
    const { manifest } = manifestOf(`${MINIMAL}build_env: {A_1: x}\nruntime_env: {_B: "8080"}\n`);
    assert.deepEqual(manifest.build_env, { A_1: 'x' });
    assert.deepEqual(manifest.runtime_env, { _B: '8080' });
    assert.equal(errorOn(`${MINIMAL}runtime_env: {PORT: 8080}\n`, 'runtime_env.PORT'), 'must be a string; quote it: PORT: "8080"');
    assert.deepEqual(manifestOf(`${MINIMAL}build_env: {DEBUG: yes}\n`).manifest.build_env, { DEBUG: 'yes' }, 'YAML 1.2: yes is text');
    assert.equal(errorOn(`${MINIMAL}build_env: {DEBUG: true}\n`, 'build_env.DEBUG'), 'must be a string; quote it: DEBUG: "true"');
    assert.equal(errorOn(`${MINIMAL}runtime_env: {RATE: 1.50}\n`, 'runtime_env.RATE'), 'must be a string; quote it: RATE: "1.50"');
    assert.match(errorOn(`${MINIMAL}runtime_env: {EMPTY: }\n`, 'runtime_env.EMPTY'), /has no value; write EMPTY: ""/);
    assert.match(errorOn(`${MINIMAL}runtime_env: {L: [a]}\n`, 'runtime_env.L'), /not a list/);
    assert.match(errorOn(`${MINIMAL}runtime_env: {1ABC: x}\n`, 'runtime_env.1ABC'), /is not an environment variable name/);
    assert.match(errorOn(`${MINIMAL}runtime_env: {"MY VAR": x}\n`, 'runtime_env."MY VAR"'), /is not an environment variable name/);
    assert.match(errorOn(`${MINIMAL}runtime_env: [A=1]\n`, 'runtime_env'), /must be a mapping/);
  });

  test('secret env files are kept and warn that secrets are set on the server', () => {
    const { manifest, warnings } = manifestOf(`${MINIMAL}secret_build_env_file: .b.env\nsecret_runtime_env_file: .r.env\n`);
    assert.equal(manifest.secret_build_env_file, '.b.env');
    assert.equal(manifest.secret_runtime_env_file, '.r.env');
    assert.deepEqual(warnings, [
      'secret_build_env_file: .b.env is not read here; secrets are set on the server: ssh rt secrets set adder KEY=VALUE --build',
      'secret_runtime_env_file: .r.env is not read here; secrets are set on the server: ssh rt secrets set adder KEY=VALUE',
    ]);
    assert.match(errorOn(`${MINIMAL}secret_runtime_env_file: 1\n`, 'secret_runtime_env_file'), /must be a string/);
  });

  test('labels are a map of scalars, stringified', () => {
    assert.deepEqual(manifestOf(`${MINIMAL}labels: {v: 1.0, ok: false}\n`).manifest.labels, { v: '1.0', ok: 'false' });
    assert.match(errorOn(`${MINIMAL}labels: {tags: [a, b]}\n`, 'labels.tags'), /must be a single value/);
    assert.match(errorOn(`${MINIMAL}labels: [a]\n`, 'labels'), /must be a mapping/);
  });

  test('public_endpoints is a list of paths starting with /', () => {
    assert.match(errorOn(`${MINIMAL}public_endpoints: [/ok, api/v1/perform]\n`, 'public_endpoints[1]'), /"api\/v1\/perform" must be a path starting with "\/"/);
    assert.match(errorOn(`${MINIMAL}public_endpoints: [/ok, 3]\n`, 'public_endpoints[1]'), /must be a string/);
    assert.match(errorOn(`${MINIMAL}public_endpoints: /api\n`, 'public_endpoints'), /must be a list/);
  });

  test('replicas is an integer from 1 to 50', () => {
    assert.equal(manifestOf(`${MINIMAL}replicas: 50\n`).manifest.replicas, 50);
    for (const bad of ['0', '51', '1.5', '"2"', 'true', '-1', '.inf']) {
      assert.match(errorOn(`${MINIMAL}replicas: ${bad}\n`, 'replicas'), /^must be a whole number from 1 to 50, not /, bad);
    }
    assert.equal(errorOn(`${MINIMAL}replicas: 1.50\n`, 'replicas'), 'must be a whole number from 1 to 50, not 1.50');
  });

  test('resources are Kubernetes quantities with min ≤ max', () => {
    assert.deepEqual(manifestOf(`${MINIMAL}resources: {cpu_max: 0.5, memory_max: 1073741824}\n`).manifest.resources, {
      cpu_max: '0.5',
      memory_max: '1073741824',
    });
    assert.match(errorOn(`${MINIMAL}resources: {gpu: 1}\n`, 'resources.gpu'), /unknown field/);
    assert.equal(errorOn(`${MINIMAL}resources: {memory_max: 1Gb}\n`, 'resources.memory_max'), '"1Gb" is not a memory quantity like 512Mi, 1Gi or 1G');
    assert.match(errorOn(`${MINIMAL}resources: {memory_max: 512m}\n`, 'resources.memory_max'), /did you mean 512Mi\?/);
    assert.equal(errorOn(`${MINIMAL}resources: {cpu_min: 1Gi}\n`, 'resources.cpu_min'), '"1Gi" is not a CPU quantity like 100m, 0.5 or 2');
    assert.match(errorOn(`${MINIMAL}resources: {cpu_min: 0}\n`, 'resources.cpu_min'), /must be more than 0/);
    assert.equal(errorOn(`${MINIMAL}resources: {memory_min: 1Gi, memory_max: 512Mi}\n`, 'resources.memory_min'), '1Gi is more than memory_max 512Mi');
    assert.equal(errorOn(`${MINIMAL}resources: {cpu_min: "2", cpu_max: 500m}\n`, 'resources.cpu_min'), '2 is more than cpu_max 500m');
    assert.deepEqual(manifestOf(`${MINIMAL}resources: {memory_min: 1G, memory_max: 1Gi}\n`).manifest.resources, { memory_min: '1G', memory_max: '1Gi' });
    assert.match(errorOn(`${MINIMAL}resources: 1Gi\n`, 'resources'), /must be a mapping/);
  });

  test('infrastructure_target is local, docker or kubernetes', () => {
    assert.equal(manifestOf(`${MINIMAL}infrastructure_target: kubernetes\n`).manifest.infrastructure_target, 'kubernetes');
    assert.equal(errorOn(`${MINIMAL}infrastructure_target: AWS!\n`, 'infrastructure_target'), '"AWS!" is not a target name (such as local, docker, kubernetes)');
  });

  test('system_dependencies is a list of Debian package names', () => {
    assert.match(errorOn(`${MINIMAL}system_dependencies: [curl, "curl; rm -rf /"]\n`, 'system_dependencies[1]'), /is not a Debian package name/);
    assert.match(errorOn(`${MINIMAL}system_dependencies: [Curl]\n`, 'system_dependencies[0]'), /is not a Debian package name/);
    assert.match(errorOn(`${MINIMAL}system_dependencies: [c]\n`, 'system_dependencies[0]'), /is not a Debian package name/);
    assert.match(errorOn(`${MINIMAL}system_dependencies: curl\n`, 'system_dependencies'), /must be a list/);
  });

  test('an old-style Racetrack manifest deploys unchanged, with warnings', () => {
    const { manifest, warnings } = manifestOf(`
name: legacy-model
owner_email: owner@example.com
lang: python3:latest
git:
  remote: https://github.com/example/models
  branch: master
  directory: models/legacy
python:
  requirements_path: requirements.txt
  entrypoint_path: model.py
  entrypoint_class: Model
image_type: docker
resources:
  memory_max: 1Gi
secret_runtime_env_file: .secrets/runtime.env
`);
    assert.equal(manifest.jobtype, 'python3:latest');
    assert.deepEqual(manifest.jobtype_extra, { requirements_path: 'requirements.txt', entrypoint_path: 'model.py', entrypoint_class: 'Model' });
    assert.equal(warnings.length, 4);
  });

  test("Racetrack's image_type is accepted with a warning", () => {
    const { warnings } = manifestOf(`${MINIMAL}image_type: docker\n`);
    assert.deepEqual(warnings, ['image_type is ignored: the job type decides how the image is built']);
  });
});

describe('parseManifest: jobtype_extra', () => {
  test('deprecated aliases merge into jobtype_extra with a warning each', () => {
    const { manifest, warnings } = manifestOf(`${MINIMAL}python: {entrypoint_path: a.py}\nwrapper_properties: {x: 1}\n`);
    assert.deepEqual(manifest.jobtype_extra, { entrypoint_path: 'a.py', x: 1 });
    assert.deepEqual(warnings, ['python is deprecated, use jobtype_extra', 'wrapper_properties is deprecated, use jobtype_extra']);
    for (const alias of ['golang', 'docker']) {
      assert.deepEqual(manifestOf(`${MINIMAL}${alias}: {k: v}\n`).manifest.jobtype_extra, { k: 'v' });
    }
  });

  test('an alias setting a key jobtype_extra also sets is an error', () => {
    assert.match(
      errorOn(`${MINIMAL}jobtype_extra: {entrypoint_path: a.py}\npython: {entrypoint_path: b.py}\n`, 'python.entrypoint_path'),
      /is also set in jobtype_extra/,
    );
  });

  test('jobtype_extra must be a mapping', () => {
    assert.match(errorOn(`${MINIMAL}jobtype_extra: [a]\n`, 'jobtype_extra'), /must be a mapping/);
  });

  test('the job type validates jobtype_extra; messages map to fields', () => {
    const calls: [{ name: string; version: string }, Record<string, unknown>][] = [];
    const validateJobtypeExtra = (jobtype: { name: string; version: string }, extra: Record<string, unknown>) => {
      calls.push([jobtype, extra]);
      return ['entrypoint_path: is required', 'max_concurrency.limit: must be positive', 'needs an entrypoint'];
    };
    const errors = errorsOf('name: a\njobtype: python3:1.0.0\njobtype_extra: {home_page: /x}\n', { validateJobtypeExtra });
    assert.deepEqual(calls, [[{ name: 'python3', version: '1.0.0' }, { home_page: '/x' }]]);
    assert.deepEqual(errors, [
      { field: 'jobtype_extra.entrypoint_path', message: 'is required' },
      { field: 'jobtype_extra.max_concurrency.limit', message: 'must be positive' },
      { field: 'jobtype_extra', message: 'needs an entrypoint' },
    ]);
  });

  test('an unknown job type is reported on jobtype (or lang)', () => {
    const validateJobtypeExtra = ({ name }: { name: string }) => [`unknown job type "${name}"`];
    assert.equal(errorOn('name: a\njobtype: pyton3\n', 'jobtype', { validateJobtypeExtra }), 'unknown job type "pyton3"');
    assert.equal(errorOn('name: a\nlang: pyton3\n', 'lang', { validateJobtypeExtra }), 'unknown job type "pyton3"');
  });

  test('the job type is not asked when the jobtype or jobtype_extra is broken', () => {
    let asked = 0;
    const validateJobtypeExtra = () => (asked++, []);
    errorsOf('name: a\njobtype: python3:1\n', { validateJobtypeExtra });
    errorsOf(`${MINIMAL}jobtype_extra: 3\n`, { validateJobtypeExtra });
    assert.equal(asked, 0);
    manifestOf(MINIMAL, { validateJobtypeExtra });
    assert.equal(asked, 1);
  });
});

describe('parseManifest: extends', () => {
  const BASE = 'name: base\njobtype: python3:latest\nresources: {cpu_min: 10m, cpu_max: 1000m}\npublic_endpoints: [/a, /b]\nlabels: {team: ml}\n';

  test('merges the base under the child: maps merge, scalars and lists replace', () => {
    const { manifest } = manifestOf(
      'extends: base.yaml\nname: adder\nresources: {cpu_min: 100m, memory_min: 500M}\npublic_endpoints: [/c]\nreplicas: 3\n',
      { files: { 'base.yaml': BASE } },
    );
    assert.equal(manifest.name, 'adder');
    assert.equal(manifest.jobtype, 'python3:latest');
    assert.equal(manifest.replicas, 3);
    assert.deepEqual(manifest.resources, { cpu_min: '100m', cpu_max: '1000m', memory_min: '500M' });
    assert.deepEqual(manifest.public_endpoints, ['/c']);
    assert.deepEqual(manifest.labels, { team: 'ml' });
    assert.equal('extends' in manifest, false);
  });

  test('resolves relative to the folder of the manifest', () => {
    const { manifest } = manifestOf('extends: ../common/base.yaml\nname: adder\n', {
      path: 'jobs/adder/job.yaml',
      files: { 'jobs/common/base.yaml': BASE },
    });
    assert.equal(manifest.jobtype, 'python3:latest');
  });

  test('numbers from the base keep their source text in messages', () => {
    assert.equal(errorOn('extends: base.yaml\n', 'version', { files: { 'base.yaml': `${BASE}version: 1.0\n` } }), '"1.0" is not a semantic version x.y.z');
  });

  test('a missing base is an error naming it', () => {
    assert.deepEqual(errorsOf(`extends: ./nope.yaml\n${MINIMAL}`, { path: 'jobs/job.yaml' }), [
      { field: 'extends', message: 'base manifest "jobs/nope.yaml" is not in this commit' },
    ]);
  });

  test('a base that extends another is an error (one level only)', () => {
    const files = { 'base.yaml': `extends: other.yaml\n${BASE}`, 'other.yaml': BASE };
    assert.match(errorOn(`extends: base.yaml\n${MINIMAL}`, 'extends', { files }), /only one level of extends/);
  });

  test('a path leaving the repo or an absolute path is an error', () => {
    assert.match(errorOn(`extends: ../../x.yaml\n${MINIMAL}`, 'extends', { path: 'jobs/job.yaml' }), /outside the repository/);
    assert.match(errorOn(`extends: /etc/passwd\n${MINIMAL}`, 'extends'), /not an absolute path/);
    assert.match(errorOn(`extends: [a]\n${MINIMAL}`, 'extends'), /must be a path/);
  });

  test('a malformed base is reported on extends, naming the base and the line', () => {
    assert.match(errorOn(`extends: base.yaml\n${MINIMAL}`, 'extends', { files: { 'base.yaml': 'a: [\n' } }), /^base\.yaml: line 2, column 1: /);
    assert.match(errorOn(`extends: base.yaml\n${MINIMAL}`, 'extends', { files: { 'base.yaml': '- x\n' } }), /^base\.yaml: must be a mapping/);
  });

  test('validation runs on the merged result', () => {
    assert.equal(errorOn('extends: base.yaml\nname: adder\n', 'bogus', { files: { 'base.yaml': `${BASE}bogus: 1\n` } }), 'unknown field');
  });
});
