// jobtype_extra of the golang job type (Racetrack's `golang.gomod`), checked before anything is built.

const KEYS = ['gomod', 'home_page'];

export function validateGolangExtra(extra: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(extra)) {
    if (!KEYS.includes(key)) errors.push(`${key}: unknown field of the golang job type (known: ${KEYS.join(', ')})`);
  }
  for (const key of KEYS) {
    if (extra[key] !== undefined && (typeof extra[key] !== 'string' || extra[key] === '')) errors.push(`${key}: must be a non-empty string`);
  }
  // Racetrack names the job's go.mod; Perform is in the root package of that module, at the job's root
  const gomod = extra.gomod;
  if (typeof gomod === 'string' && gomod !== '' && gomod.replace(/^\.\//, '') !== 'go.mod') {
    errors.push(`gomod: "${gomod}" must be the go.mod at the job's root (Perform is in that module's root package)`);
  }
  const home = extra.home_page;
  if (typeof home === 'string' && home !== '' && !home.startsWith('/')) errors.push(`home_page: "${home}" must be a path starting with /`);
  return errors;
}
