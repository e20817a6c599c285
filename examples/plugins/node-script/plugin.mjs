// The node-script job type: a third-party Racetrack plugin written as plain ESM JavaScript, no build step.
// The job is an ES module exporting `perform(input)`; this plugin's wrapper.mjs serves it on the socket the
// platform hands the process (LISTEN_FD). It builds for process targets (local) only: it has no imageRecipe.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The plugin's own folder: the wrapper is run from here, shown read-only to the job. */
const PLUGIN_DIR = dirname(fileURLToPath(import.meta.url));
/** The fd of the listening socket a process target gives every replica (the platform's LISTEN_FD). */
const LISTEN_FD = 3;
const EXTRA_KEYS = ['entrypoint_path'];

function validateExtra(extra) {
  const errors = [];
  for (const key of Object.keys(extra)) if (!EXTRA_KEYS.includes(key)) errors.push(`${key}: unknown key (known: ${EXTRA_KEYS.join(', ')})`);
  const entry = extra.entrypoint_path;
  if (entry !== undefined && (typeof entry !== 'string' || !/^[\w][\w./-]*\.m?js$/.test(entry) || entry.split('/').includes('..'))) {
    errors.push('entrypoint_path: must be a relative path to a .mjs or .js file inside the job folder');
  }
  return errors;
}

async function buildProcess(ctx) {
  const entry = ctx.manifest.jobtype_extra.entrypoint_path ?? 'perform.mjs';
  if (!existsSync(join(ctx.jobDir, entry))) throw new Error(`jobtype_extra.entrypoint_path: "${entry}" does not exist in the job folder`);
  // the node that runs the server runs the job too; its prefix (/usr, /opt/node…) is shown to the job read-only
  const node = ctx.setting('RACETRACK_NODE') ?? realpathSync(process.execPath);
  const nodePrefix = dirname(dirname(node));
  ctx.reporter.phase(`Checking ${entry}`);
  // a syntax error fails the push here, with its line, instead of a replica that never becomes ready
  await ctx.run(node, ['--check', entry], { what: 'node --check', readOnlyPaths: [nodePrefix] });
  return {
    kind: 'process',
    command: {
      cmd: node,
      args: [join(PLUGIN_DIR, 'wrapper.mjs'), '--listen-fd', String(LISTEN_FD), '--entrypoint', entry],
      cwd: ctx.jobDir,
      env: { NODE_ENV: 'production' },
      readOnlyPaths: [nodePrefix, PLUGIN_DIR],
    },
  };
}

export const jobType = {
  validateExtra,
  reservedEnv: ['NODE_ENV', 'NODE_OPTIONS'],
  buildProcess,
};
