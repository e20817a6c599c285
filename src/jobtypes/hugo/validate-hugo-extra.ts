// jobtype_extra of the hugo job type, checked before anything is built: site_title (Racetrack's
// wrapper_properties.site_title arrives here too, merged with a deprecation warning).

const KEYS = ['site_title'];
const MAX_TITLE = 200;

export function validateHugoExtra(extra: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(extra)) {
    if (!KEYS.includes(key)) errors.push(`${key}: unknown field of the hugo job type (known: ${KEYS.join(', ')})`);
  }
  const title = extra.site_title;
  if (title !== undefined && (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE)) {
    errors.push(`site_title: must be a non-empty string of at most ${MAX_TITLE} characters`);
  }
  return errors;
}
