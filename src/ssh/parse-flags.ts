// Flags of an ssh command through node:util parseArgs; a wrong flag is a usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(args: string[], options: O, positionals: { min: number; max: number; usage: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''), [`usage: ${positionals.usage}`]);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError('missing argument', [`usage: ${positionals.usage}`]);
  if (n > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`, [`usage: ${positionals.usage}`]);
  return parsed;
}
