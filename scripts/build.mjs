#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` builds): compiles src/ to dist/ with tsc, then copies beside it every
// file the server reads at run time that is not TypeScript — wrappers, plugin.yaml files, the hugo theme, migrations.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, 'src');
const dist = join(root, 'dist');
// what local builds of a wrapper leave behind (cargo, python) is no asset
const SKIPPED_DIRS = new Set(['target', '__pycache__', 'node_modules']);

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('build: tsc failed; dist/ is incomplete');
  process.exit(1);
}

let copied = 0;
const copyAssets = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) copyAssets(path);
    } else if (!/\.tsx?$/.test(entry.name)) {
      cpSync(path, join(dist, relative(src, path)));
      copied++;
    }
  }
};
copyAssets(src);
console.log(`build: dist/ compiled, ${copied} asset files copied`);
