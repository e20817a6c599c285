// jobtype_extra of the rust job type, checked before anything is built. (Racetrack's older manifests name the
// job type with `lang: rust`; the manifest accepts that deprecated field for every job type.)

const KEYS = ['home_page'];

export function validateRustExtra(extra: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(extra)) {
    if (!KEYS.includes(key)) errors.push(`${key}: unknown field of the rust job type (known: ${KEYS.join(', ')})`);
  }
  const home = extra.home_page;
  if (home !== undefined && (typeof home !== 'string' || !home.startsWith('/'))) errors.push('home_page: must be a path starting with /');
  return errors;
}
