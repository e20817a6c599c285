// Checks build_env / runtime_env: string keys that are environment variable names, string values.
import { describeValue } from './describe-value.js';
import type { Findings } from './findings.js';
import { quote } from './quote.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function validateEnv(f: Findings, field: 'build_env' | 'runtime_env', value: unknown): Record<string, string> {
  const map = f.mapping([field], value);
  const entries: [string, string][] = [];
  for (const [key, item] of Object.entries(map ?? {})) {
    const path = [field, key];
    if (!ENV_NAME.test(key)) f.error(path, `${quote(key)} is not an environment variable name (letters, digits and _, not starting with a digit)`);
    if (typeof item === 'string') entries.push([key, item]);
    // Racetrack's env maps are str → str; a bare number or boolean is a quoting slip, so say exactly what to write.
    else if (typeof item === 'number' || typeof item === 'boolean') f.error(path, `must be a string; quote it: ${key}: ${quote(f.textOf(path, item))}`);
    else if (item === null) f.error(path, `has no value; write ${key}: "" for an empty string`);
    else f.error(path, `must be a string, not ${describeValue(item)}`);
  }
  return Object.fromEntries(entries);
}
