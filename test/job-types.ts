// The built-in job types as the server loads them (the plugin store over the repo's plugin folders), for tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_PLUGINS, JobTypeRegistry, checkJobTypeModule } from '../src/jobtypes/index.js';
import { PluginStore } from '../src/plugins/index.js';

export async function builtInJobTypes(): Promise<JobTypeRegistry> {
  const store = new PluginStore({
    builtInRoots: [BUILT_IN_PLUGINS],
    installRoot: join(mkdtempSync(join(tmpdir(), 'rt-plugins-')), 'plugins'),
    checks: { 'job-type': checkJobTypeModule, infrastructure: () => ['not loaded'] },
  });
  await store.loadAll();
  return new JobTypeRegistry(store);
}
