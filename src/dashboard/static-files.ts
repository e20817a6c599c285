// The dashboard's own stylesheet and script, and uPlot from node_modules (no CDN): a fixed list, no path lookup.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';

const here = dirname(fileURLToPath(import.meta.url));
const uplot = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const FILES: Record<string, string> = {
  '/style.css': join(here, 'static', 'style.css'),
  '/dashboard.js': join(here, 'static', 'dashboard.js'),
  '/uplot.js': join(uplot, 'uPlot.iife.min.js'),
  '/uplot.css': join(uplot, 'uPlot.min.css'),
};

export function staticFiles(): Router {
  const r = Router();
  for (const [path, file] of Object.entries(FILES)) {
    r.get(path, (_req, res, next) => res.sendFile(file, { maxAge: 3600_000 }, (err) => err && next(err)));
  }
  return r;
}
