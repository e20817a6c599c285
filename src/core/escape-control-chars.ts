// Control and invisible formatting characters (terminal escapes, bidi overrides, line separators) in text
// that came from users or jobs: escaped as \uXXXX before anything is printed, refused where a name must be plain.

/** C0 and C1 controls, DEL, format characters (bidi, zero-width, tags) and the Unicode line and paragraph separators. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const UNPRINTABLE_BUT_LAYOUT = /(?![\t\n])[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * Text safe to print: every unprintable character but tab and newline becomes `\uXXXX` (one per UTF-16 unit),
 * so JSON stays valid JSON with the same value, and a table shows what was there.
 */
export function escapeControlChars(text: string): string {
  return text.replace(UNPRINTABLE_BUT_LAYOUT, (c) => c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
}

/** Whether a name holds anything escapeControlChars would escape, tab and newline included. */
export function hasControlChars(text: string): boolean {
  return UNPRINTABLE.test(text);
}
