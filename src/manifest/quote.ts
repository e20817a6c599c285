// Quotes user-supplied text for one-line messages: escapes control characters and caps the length.
const MAX_QUOTED = 80;

export function quote(text: string): string {
  const shown = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return JSON.stringify(shown);
}
