// The docker-proxy plugin: the job-type contract with its sample, its jobtype_extra, and the proxy it asks the
// platform for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { Reporter } from '../../core/reporter.js';
import type { Manifest } from '../../manifest/index.js';
import { runJobTypeContract } from '../job-type-contract.js';

const dockerProxy = (await builtInJobTypes()).get('docker-proxy');

runJobTypeContract('docker-proxy', {
  jobType: dockerProxy,
  sample: fileURLToPath(new URL('../../../test/fixtures/jobs/docker-proxy-sample', import.meta.url)),
});

const withExtra = (jobtype_extra: Record<string, unknown>) => ({ jobtype_extra }) as unknown as Manifest;

test('docker-proxy builds images only, and the platform fronts them', () => {
  assert.deepEqual(dockerProxy.builds, ['image']);
  assert.deepEqual(dockerProxy.proxy!(withExtra({})), { port: 7001, mode: 'forward' });
  assert.deepEqual(dockerProxy.proxy!(withExtra({ user_module_port: 8000, proxy_mode: 'rewrite' })), { port: 8000, mode: 'rewrite' });
});

test('jobtype_extra: Racetrack\'s fields, each checked', () => {
  assert.deepEqual(dockerProxy.validateExtra({ dockerfile_path: 'Dockerfile', user_module_port: 80, proxy_mode: 'forward' }), []);
  assert.deepEqual(dockerProxy.validateExtra({ user_module_port: 65535, proxy_mode: 'rewrite' }), []);
  for (const port of [0, 65536, 7001.5, '7001', -1]) {
    assert.deepEqual(dockerProxy.validateExtra({ user_module_port: port }), ['user_module_port: must be a TCP port, a whole number from 1 to 65535'], String(port));
  }
  assert.deepEqual(dockerProxy.validateExtra({ proxy_mode: 'reverse' }), ['proxy_mode: must be "forward" or "rewrite"']);
  assert.match(dockerProxy.validateExtra({ dockerfile_path: '../Dockerfile' })[0]!, /^dockerfile_path: "\.\.\/Dockerfile" must be a relative path inside the job folder/);
  assert.match(dockerProxy.validateExtra({ proxy_module: 'x.py' })[0]!, /^proxy_module: unknown field of the docker-proxy job type \(known: dockerfile_path, user_module_port, proxy_mode\)$/);
});

test('the image\'s port is the user\'s server, whatever the Dockerfile EXPOSEs', async () => {
  const sample = fileURLToPath(new URL('../../../test/fixtures/jobs/docker-proxy-sample', import.meta.url));
  const recipe = await dockerProxy.imageRecipe!({
    jobDir: sample, manifest: { name: 's', jobtype_extra: { user_module_port: 80 } } as unknown as Manifest, buildEnv: {},
    reporter: new Reporter(), setting: () => undefined, cacheDir: '/nonexistent',
  });
  assert.deepEqual(recipe.jobDockerfile, { path: 'Dockerfile', port: 80 });
  assert.match(recipe.dockerfile, /^EXPOSE 7001$/m);
});
