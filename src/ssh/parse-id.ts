// A numeric id argument (keys remove ID, tokens revoke ID).
import { UsageError } from '../core/errors.js';

export function parseId(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`ID: "${raw}" is not a number`);
  return n;
}
