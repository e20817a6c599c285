// The build context of a job image: the job folder under job/ for a job type's own Dockerfile; the job folder itself,
// less what its .dockerignore excludes, for a job's own Dockerfile (dockerfile, docker-proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ImageContext } from './image-context.js';

function jobFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rt-image-context-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

test('a job type\'s Dockerfile: the job folder is job/, the Dockerfile is written at the root', () => {
  const job = jobFolder({ 'app.py': 'x', Dockerfile: 'not this one' });
  const staged = ImageContext.collect(job, { dockerfile: 'FROM base\n', files: {} }).stage();
  try {
    assert.deepEqual(filesUnder(staged.dir), ['Dockerfile', 'job/Dockerfile', 'job/app.py']);
    assert.equal(readFileSync(join(staged.dir, 'Dockerfile'), 'utf8'), 'FROM base\n');
    assert.deepEqual({ entries: staged.entries.sort(), dockerfile: staged.dockerfile }, { entries: ['Dockerfile', 'job'], dockerfile: 'Dockerfile' });
  } finally {
    rmSync(staged.dir, { recursive: true, force: true });
    rmSync(job, { recursive: true, force: true });
  }
});

test('a job\'s own Dockerfile: the job folder is the context, less its .dockerignore, always with the Dockerfile', () => {
  const text = 'FROM base\nCOPY . /src\n';
  const job = jobFolder({
    'docker/app.Dockerfile': text,
    '.dockerignore': '*\n!src\n!docs/keep.md\nsrc/**/*.log\n',
    'src/main.py': 'x',
    'src/deep/debug.log': 'secret log',
    'docs/keep.md': 'k',
    'docs/drop.md': 'd',
    '.env': 'TOKEN=1',
  });
  const context = ImageContext.collect(job, { dockerfile: text, files: {}, jobDockerfile: { path: 'docker/app.Dockerfile', port: 7001 } });
  const staged = context.stage();
  try {
    assert.deepEqual(filesUnder(staged.dir), ['docker/app.Dockerfile', 'docs/keep.md', 'src/main.py']);
    assert.equal(staged.dockerfile, 'docker/app.Dockerfile');
    assert.deepEqual(staged.entries.sort(), ['docker', 'docs', 'src']);
  } finally {
    rmSync(staged.dir, { recursive: true, force: true });
  }
  // what the .dockerignore drops is no input of the image: changing it reuses the image
  const before = context.digest();
  writeFileSync(join(job, 'docs/drop.md'), 'changed');
  assert.equal(ImageContext.collect(job, { dockerfile: text, files: {}, jobDockerfile: { path: 'docker/app.Dockerfile', port: 7001 } }).digest(), before);
  rmSync(job, { recursive: true, force: true });
});

test('a recipe with the job\'s own Dockerfile brings no files of its own', () => {
  const job = jobFolder({ Dockerfile: 'FROM base\n' });
  assert.throws(() => ImageContext.collect(job, { dockerfile: 'FROM base\n', files: { wrapper: job }, jobDockerfile: { path: 'Dockerfile', port: 1 } }), /no files of its own/);
  rmSync(job, { recursive: true, force: true });
});
