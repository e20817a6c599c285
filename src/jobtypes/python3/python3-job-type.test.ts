// The python3 plugin keeps the job-type contract with Racetrack's adder sample.
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { runJobTypeContract } from '../job-type-contract.js';

runJobTypeContract('python3', {
  jobType: (await builtInJobTypes()).get('python3'),
  sample: fileURLToPath(new URL('../../../test/fixtures/jobs/adder', import.meta.url)),
});
