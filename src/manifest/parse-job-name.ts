// The security boundary for job names: every entry point (git URLs, pub URLs, API, ssh args) passes names through here.
import { BadRequestError } from '../core/errors.js';
import { jobNameProblem } from './job-name-problem.js';
import { quote } from './quote.js';

/** Returns `raw` unchanged when it is a valid job name, else throws BadRequestError naming the problem. Strips nothing. */
export function parseJobName(raw: string): string {
  const problem = jobNameProblem(raw);
  if (problem) throw new BadRequestError(`invalid job name ${quote(raw)}: ${problem}`);
  return raw;
}
