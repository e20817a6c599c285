// The fake target keeps the target contract, so tests that use it stand for the real targets.
import { runTargetContract } from '../target-contract.js';
import { FakeTarget } from './fake-target.js';

const base = { jobType: 'python3', jobTypeVersion: '1.0.0', jobDir: '/nonexistent' };

runTargetContract('fake', async () => ({
  target: new FakeTarget(),
  artifact: { ...base, kind: 'process', command: { cmd: 'true', args: [], cwd: '/', env: {}, readOnlyPaths: [] } },
  foreign: { ...base, kind: 'image', image: 'x:y', port: 7000 },
  cleanup: async () => {},
}));
