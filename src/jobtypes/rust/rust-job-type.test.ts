// The rust plugin keeps the job-type contract with Racetrack's rust sample, its crates from an offline source.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { runJobTypeContract } from '../job-type-contract.js';

const cargoHome = join(mkdtempSync(join(tmpdir(), 'rt-cargo-')), 'cargo-home');
const made = spawnSync('bash', [fileURLToPath(new URL('../../../scripts/offline-cargo-source.sh', import.meta.url)), cargoHome], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`offline-cargo-source.sh failed: ${made.stderr}`);

runJobTypeContract('rust', {
  jobType: (await builtInJobTypes()).get('rust'),
  sample: fileURLToPath(new URL('../../../test/fixtures/jobs/rust-sample', import.meta.url)),
  settings: { RACETRACK_CARGO_HOME: cargoHome },
  timeoutMs: 300_000,
});
