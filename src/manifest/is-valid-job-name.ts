// True when a string may be used as a job name (1–63 chars of A-Za-z0-9_.-, starting with a letter or digit).
import { jobNameProblem } from './job-name-problem.js';

export function isValidJobName(raw: string): boolean {
  return jobNameProblem(raw) === undefined;
}
