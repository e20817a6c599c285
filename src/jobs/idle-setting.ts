// What `jobs idle NAME VERSION …` (ssh, API) accepts: a duration, `off` (never idle), or `default` (follow the server).
import { parseDuration } from '../core/parse-duration.js';

/** ms, 0 for off, null for default; `what` names the argument in the error */
export function parseIdleSetting(text: string, what: string): number | null {
  if (/^off$/i.test(text)) return 0;
  if (/^default$/i.test(text)) return null;
  return parseDuration(text, what) || 0;
}
