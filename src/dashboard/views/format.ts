// Small text formats the pages share.

/** "5 s", "3 min", "2 h", "4 d" since `at` (ms), or "never". */
export function age(at: number | null | undefined, now = Date.now()): string {
  if (!at) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export const isoTime = (at: number | null | undefined): string => (at ? new Date(at).toISOString().replace(/\.\d+Z$/, 'Z') : '');

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
