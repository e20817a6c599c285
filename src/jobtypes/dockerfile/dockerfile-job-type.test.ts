// The dockerfile plugin: the job-type contract with its sample, jobtype_extra.dockerfile_path kept inside the job
// folder, and what is read from a job's own Dockerfile (base images, declared build args).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { Reporter } from '../../core/reporter.js';
import type { Manifest } from '../../manifest/index.js';
import { runJobTypeContract } from '../job-type-contract.js';
import type { BuildContext } from '../types.js';
import { jobDockerfileRecipe } from './job-dockerfile-recipe.js';
import { readDockerfile } from './read-dockerfile.js';

const jobTypes = await builtInJobTypes();
const dockerfile = jobTypes.get('dockerfile');

runJobTypeContract('dockerfile', {
  jobType: dockerfile,
  sample: fileURLToPath(new URL('../../../test/fixtures/jobs/dockerfile-sample', import.meta.url)),
});

test('dockerfile builds images only: no process target runs it', () => {
  assert.deepEqual(dockerfile.builds, ['image']);
  assert.equal(dockerfile.proxy, undefined);
});

test('dockerfile_path must stay inside the job folder', () => {
  for (const path of ['../Dockerfile', '/etc/Dockerfile', 'docker/../../Dockerfile', '..\\Dockerfile', 'a/..']) {
    const errors = dockerfile.validateExtra({ dockerfile_path: path });
    assert.equal(errors.length, 1, path);
    assert.match(errors[0]!, /^dockerfile_path: ".*" must be a relative path inside the job folder/, path);
  }
  assert.match(dockerfile.validateExtra({ dockerfile_path: 'a\nb' })[0]!, /^dockerfile_path: must not contain control characters$/);
  assert.match(dockerfile.validateExtra({ dockerfile_path: 3 })[0]!, /^dockerfile_path: must be a non-empty string$/);
  assert.match(dockerfile.validateExtra({ entrypoint_path: 'x.py' })[0]!, /^entrypoint_path: unknown field of the dockerfile job type/);
  assert.deepEqual(dockerfile.validateExtra({ dockerfile_path: './docker/prod.Dockerfile' }), []);
});

test('base images: FROM lines, without scratch and earlier stages, with ARG defaults and build args applied', () => {
  const text = [
    '# escape=`',
    'ARG BASE=python:3.11-slim-bookworm',
    'ARG RUNTIME',
    'from --platform=linux/amd64 ${BASE} AS Build',
    'RUN echo `',
    '  continued',
    'FROM build AS test',
    'FROM scratch',
    'FROM $RUNTIME',
    'FROM `',
    '  debian:bookworm-slim',
    'ARG TOKEN',
    'FROM python:3.11-slim-bookworm',
  ].join('\n');
  assert.deepEqual(readDockerfile(text, {}), { froms: 6, baseImages: ['python:3.11-slim-bookworm', 'debian:bookworm-slim'], buildArgs: {}, unexpanded: [] });
  const given = readDockerfile(text, { RUNTIME: 'busybox:1', TOKEN: 't', UNDECLARED: 'u' });
  assert.deepEqual(given.baseImages, ['python:3.11-slim-bookworm', 'busybox:1', 'debian:bookworm-slim']);
  assert.deepEqual(given.buildArgs, { RUNTIME: 'busybox:1', TOKEN: 't' }, 'only what the Dockerfile declares with ARG');
  assert.equal(readDockerfile('# nothing here\n', {}).froms, 0);
});

test('COPY --from an image is read as much as FROM is; --from a stage or a stage\'s index is not', () => {
  const text = [
    'ARG LOOT=racetrack-job/other-5b1c0e0a1fd2c4e2:3f9a0c1d2e4b5a69',
    'FROM golang:1.19-bookworm AS build',
    'ARG LOOT',
    'COPY --from=build /a /b',
    'COPY --from=0 /a /b',
    'COPY --from=${LOOT} /app /stolen',
    'FROM scratch',
    'COPY --from=Build /x /y',
    'COPY --from=busybox:1 /bin/sh /sh',
  ].join('\n');
  assert.deepEqual(readDockerfile(text, {}).baseImages, ['golang:1.19-bookworm', 'racetrack-job/other-5b1c0e0a1fd2c4e2:3f9a0c1d2e4b5a69', 'busybox:1']);
});

test('a base hidden behind an unset variable is read as Docker reads it; one behind ${X:-…} is refused, not skipped', () => {
  const loot = 'racetrack-job/other-5b1c0e0a1fd2c4e2:3f9a0c1d2e4b5a69';
  assert.deepEqual(readDockerfile(`ARG UNSET\nFROM \${UNSET}${loot}\n`, {}).baseImages, [loot]);
  const hidden = `FROM \${X:-${loot}}\nFROM python:3.11-slim-bookworm\nCOPY --from=\${Y:+x} /a /b\n`;
  assert.deepEqual(readDockerfile(hidden, {}).unexpanded, [`\${X:-${loot}}`, '${Y:+x}']);
  assert.throws(() => jobDockerfileRecipe(context({ Dockerfile: hidden }), 7000),
    /^BadRequestError: jobtype_extra\.dockerfile_path: "Dockerfile" names a base as \$\{X:-racetrack-job\/\S+\}: only \$NAME and \$\{NAME\} are expanded in FROM and COPY --from$/);
});

function context(files: Record<string, string>, extra: Record<string, unknown> = {}): BuildContext {
  const root = mkdtempSync(join(tmpdir(), 'rt-dockerfile-'));
  const jobDir = join(root, 'job');
  mkdirSync(jobDir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(jobDir, path, '..'), { recursive: true });
    writeFileSync(join(jobDir, path), text);
  }
  const manifest = { name: 'j', jobtype_extra: extra } as unknown as Manifest;
  return { jobDir, manifest, buildEnv: { SECRET_ARG: 's', OTHER: 'o' }, reporter: new Reporter(), setting: () => undefined, cacheDir: join(root, 'cache') };
}

test('the recipe is the job\'s own Dockerfile, with the job folder as its context', () => {
  const text = 'FROM python:3.11-slim-bookworm\nARG SECRET_ARG\nCOPY . /src\n';
  const recipe = jobDockerfileRecipe(context({ 'docker/prod.Dockerfile': text }, { dockerfile_path: './docker//prod.Dockerfile' }), 7000);
  assert.deepEqual(recipe, {
    dockerfile: text, files: {}, baseImages: ['python:3.11-slim-bookworm'], buildArgs: { SECRET_ARG: 's' },
    jobDockerfile: { path: 'docker/prod.Dockerfile', port: 7000 },
  });
});

test('a missing Dockerfile, one that leads outside the job folder, and one without FROM fail naming the field', () => {
  assert.throws(() => jobDockerfileRecipe(context({}), 7000), /^BadRequestError: jobtype_extra\.dockerfile_path: "Dockerfile" does not exist in the job folder$/);
  const outside = context({});
  writeFileSync(join(outside.jobDir, '..', 'Dockerfile'), 'FROM python:3.11-slim-bookworm\n');
  symlinkSync('../Dockerfile', join(outside.jobDir, 'Dockerfile'));
  assert.throws(() => jobDockerfileRecipe(outside, 7000), /jobtype_extra\.dockerfile_path: "Dockerfile" leads outside the job folder/);
  assert.throws(() => jobDockerfileRecipe(context({ 'Dockerfile/x': '' }), 7000), /jobtype_extra\.dockerfile_path: "Dockerfile" is not a file/);
  assert.throws(() => jobDockerfileRecipe(context({ Dockerfile: 'RUN true\n' }), 7000), /jobtype_extra\.dockerfile_path: "Dockerfile" has no FROM instruction/);
});
