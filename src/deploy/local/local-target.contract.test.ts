// The local target keeps the target contract: the adder job, built by the python3 job type in the target's own
// confined build, runs sandboxed.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reporter } from '../../core/reporter.js';
import { loadManifest } from '../../manifest/index.js';
import { builtInJobTypes } from '../../../test/job-types.js';
import { runTargetContract } from '../target-contract.js';
import { LocalSandbox } from './sandbox/index.js';
import { LocalTarget } from './local-target.js';

const ADDER = fileURLToPath(new URL('../../../test/fixtures/jobs/adder', import.meta.url));

runTargetContract('local', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-local-contract-'));
  const jobDir = join(dataDir, 'builds', 'contract');
  mkdirSync(jobDir, { recursive: true });
  cpSync(ADDER, jobDir, { recursive: true });
  const sandbox = await LocalSandbox.start({ enabled: true, uids: { first: 2000090000, last: 2000090999 } });
  const target = new LocalTarget({ dataDir, sandbox, pubUrl: () => 'http://127.0.0.1:9/pub' });
  const python3 = (await builtInJobTypes()).get('python3');
  const { manifest } = loadManifest(readFileSync(join(jobDir, 'job.yaml'), 'utf8'), { path: 'job.yaml', readFile: () => undefined });
  const confined = target.confineBuild('contract', jobDir, () => {});
  const built = await python3.buildProcess!({
    jobDir, manifest, buildEnv: {}, reporter: new Reporter(), setting: () => undefined, cacheDir: dataDir, run: confined.run,
  }).finally(() => confined.release());
  const base = { jobType: 'python3', jobTypeVersion: python3.version, jobDir };
  return {
    target,
    artifact: { ...base, ...built },
    foreign: { ...base, kind: 'image', image: 'x:y', port: 7000 },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
