// jobtype_extra of the python3 job type (Racetrack's names), checked before anything is built.

const KEYS = ['entrypoint_path', 'entrypoint_class', 'requirements_path', 'python_version', 'home_page', 'max_concurrency', 'max_concurrency_queue'];

export function validatePython3Extra(extra: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(extra)) {
    if (!KEYS.includes(key)) errors.push(`${key}: unknown field of the python3 job type (known: ${KEYS.join(', ')})`);
  }
  if (extra.entrypoint_path === undefined) errors.push('entrypoint_path: is required (the .py file with your class)');
  for (const key of ['entrypoint_path', 'entrypoint_class', 'requirements_path', 'home_page']) {
    if (extra[key] !== undefined && (typeof extra[key] !== 'string' || extra[key] === '')) errors.push(`${key}: must be a non-empty string`);
  }
  for (const key of ['entrypoint_path', 'requirements_path']) {
    const v = extra[key];
    if (typeof v === 'string' && (v.startsWith('/') || v.split('/').includes('..'))) errors.push(`${key}: "${v}" must be a path inside the job folder`);
  }
  const pv = extra.python_version;
  if (pv !== undefined && !(typeof pv === 'string' || typeof pv === 'number') || (pv !== undefined && !/^3(\.\d+)?$/.test(String(pv)))) {
    errors.push(`python_version: "${String(pv)}" is not a Python 3 version like 3.11`);
  }
  for (const key of ['max_concurrency', 'max_concurrency_queue']) {
    const v = extra[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0)) errors.push(`${key}: must be a whole number ≥ 0`);
  }
  return errors;
}
