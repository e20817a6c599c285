// Collects every error and warning of one manifest, with the type checks all field validators share.
import type { FieldError } from '../core/errors.js';
import { describeValue } from './describe-value.js';
import { fieldName, type FieldPath } from './field-name.js';
import { quote } from './quote.js';
import type { SourceOf } from './read-yaml-mapping.js';

export class Findings {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly sourceOf: SourceOf) {}

  error(path: FieldPath, message: string): void {
    this.errors.push({ field: fieldName(path), message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The value as the user wrote it: YAML source text for numbers such as 1.0, else String(value). */
  textOf(path: FieldPath, value: unknown): string {
    return this.sourceOf(path) ?? String(value);
  }

  /** A string, or undefined after recording why not; a number or boolean gets a hint to quote it. */
  string(path: FieldPath, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    const hint = typeof value === 'number' || typeof value === 'boolean' ? `; quote it: ${quote(this.textOf(path, value))}` : '';
    this.error(path, `must be a string, not ${describeValue(value)}${hint}`);
    return undefined;
  }

  mapping(path: FieldPath, value: unknown): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)) {
      return value as Record<string, unknown>;
    }
    this.error(path, `must be a mapping (key: value lines), not ${describeValue(value)}`);
    return undefined;
  }

  list(path: FieldPath, value: unknown): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    this.error(path, `must be a list (- item lines), not ${describeValue(value)}`);
    return undefined;
  }

  /** Records an error for each key of `map` outside `known`. */
  onlyKeys(path: FieldPath, map: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(map)) {
      if (!known.includes(key)) this.error([...path, key], `unknown field; expected one of ${known.join(', ')}`);
    }
  }
}
