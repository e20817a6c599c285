#!/usr/bin/env node
// The racetrack binary: runs the compiled server and client in dist/, which `npm ci` builds (`prepare`) or
// `npm run build` rebuilds. Tests and benches run the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('racetrack: dist/ is not built; run `npm ci` (it builds through `prepare`) or `npm run build`');
  process.exit(1);
}
await import(main.href);
