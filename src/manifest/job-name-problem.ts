// The job-name rule in one place: what is wrong with a name, or undefined when it is valid.
const MAX_JOB_NAME = 63;

export function jobNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_JOB_NAME) return `is ${name.length} characters long; the limit is ${MAX_JOB_NAME}`;
  if (!/^[A-Za-z0-9]/.test(name)) return 'must start with a letter or a digit';
  const bad = /[^A-Za-z0-9_.-]/.exec(name);
  if (bad) return `contains ${JSON.stringify(bad[0])}; only letters, digits, "_", "." and "-" are allowed`;
  return undefined;
}
