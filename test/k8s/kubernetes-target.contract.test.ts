// The kubernetes target keeps the InfrastructureTarget contract, run against the STAND-IN cluster (fake API server,
// stand-in kubelet on Docker, real registry), not a real one.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTargetContract } from '../../src/deploy/target-contract.js';
import { DockerEngine } from '../../src/deploy/docker/index.js';
import { KubernetesTarget, kubernetesSettings } from '../../src/deploy/kubernetes/index.js';
import { ImageBuilder, Reporter } from '../../src/build/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import { builtInJobTypes } from '../job-types.js';
import { standInSkip, startStandInCluster } from './stand-in-cluster.js';

const ADDER = fileURLToPath(new URL('../fixtures/jobs/adder', import.meta.url));

runTargetContract('kubernetes (stand-in cluster)', async () => {
  const cluster = await startStandInCluster();
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-k8s-contract-'));
  const jobDir = join(dataDir, 'job');
  cpSync(ADDER, jobDir, { recursive: true });
  const python3 = (await builtInJobTypes()).get('python3');
  const { manifest } = loadManifest(readFileSync(join(jobDir, 'job.yaml'), 'utf8'), { path: 'job.yaml', readFile: () => undefined });
  const engine = new DockerEngine(dataDir);
  const built = await new ImageBuilder(engine, 3).build(python3, { jobDir, manifest, buildEnv: {}, reporter: new Reporter(), setting: () => undefined, cacheDir: dataDir });
  const settings = kubernetesSettings((name) => cluster.env[name]);
  if ('unavailable' in settings) throw new Error(settings.unavailable);
  return {
    target: new KubernetesTarget({ ...settings, engine, rolloutTimeoutMs: 60_000 }),
    artifact: { ...built, jobDir },
    foreign: { kind: 'process', jobType: 'python3', jobTypeVersion: python3.version, jobDir, command: { cmd: 'true', args: [], cwd: '/', env: {}, readOnlyPaths: [] } },
    cleanup: async () => {
      await cluster.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}, { skip: await standInSkip(), readyTimeoutMs: 60_000 });
