// Reads one YAML file into plain data, safely: size cap, alias-bomb cap, no prototype keys, no cycles, first error with line and column.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { FieldError } from '../core/errors.js';
import { describeValue } from './describe-value.js';
import { fieldName, type FieldPath } from './field-name.js';

export const MAX_MANIFEST_BYTES = 64 * 1024;
const MAX_ALIAS_COUNT = 100;
const MAX_DEPTH = 32;

/** The source text of the scalar at a path (e.g. '1.0' where the value is the number 1), when known. */
export type SourceOf = (path: FieldPath) => string | undefined;

export interface YamlMapping {
  value?: Record<string, unknown>;
  sourceOf: SourceOf;
  errors: FieldError[];
}

const noSource: SourceOf = () => undefined;

export function readYamlMapping(text: string): YamlMapping {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_MANIFEST_BYTES) {
    return failed(`is ${size} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`);
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  let data: unknown;
  try {
    // merge: true keeps `<<: *base` working, as it does in PyYAML, which Racetrack uses.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
    const first = doc.errors[0];
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      return failed(`line ${line}, column ${col}: ${first.message}`);
    }
    data = doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml package signals an alias bomb (and nothing else we expect) by throwing.
    const message = e instanceof Error ? e.message : String(e);
    return failed(/excessive alias count/i.test(message) ? `uses too many YAML aliases (limit ${MAX_ALIAS_COUNT})` : `cannot be read as YAML: ${message}`);
  }
  if (data === null || data === undefined) return failed('is empty; it needs at least name and jobtype');
  if (!(data instanceof Map)) return failed(`must be a mapping of fields, not ${describeValue(data)}`);
  const errors: FieldError[] = [];
  const value = toPlain(data, [], new Set(), errors) as Record<string, unknown>;
  if (errors.length > 0) return { sourceOf: noSource, errors };
  return { value, sourceOf: (path) => scalarSource(doc, path), errors };
}

function failed(message: string): YamlMapping {
  return { sourceOf: noSource, errors: [{ field: '', message }] };
}

// Maps become plain objects built with Object.fromEntries, so a `__proto__` key is an ordinary key.
function toPlain(value: unknown, path: FieldPath, ancestors: Set<unknown>, errors: FieldError[]): unknown {
  if (!(value instanceof Map) && !Array.isArray(value)) return value;
  if (ancestors.has(value)) {
    errors.push({ field: fieldName(path), message: 'refers to itself through a YAML alias' });
    return undefined;
  }
  if (path.length >= MAX_DEPTH) {
    errors.push({ field: fieldName(path), message: `is nested more than ${MAX_DEPTH} levels deep` });
    return undefined;
  }
  ancestors.add(value);
  let plain: unknown;
  if (Array.isArray(value)) {
    plain = value.map((item, i) => toPlain(item, [...path, i], ancestors, errors));
  } else {
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) {
      if (key instanceof Map || Array.isArray(key) || key instanceof Uint8Array) {
        errors.push({ field: fieldName(path), message: `has ${describeValue(key)} as a key; keys must be plain words` });
        continue;
      }
      const name = String(key);
      entries.push([name, toPlain(item, [...path, name], ancestors, errors)]);
    }
    plain = Object.fromEntries(entries);
  }
  ancestors.delete(value);
  return plain;
}

function scalarSource(doc: Document, path: FieldPath): string | undefined {
  const node: unknown = doc.getIn(path, true);
  if (node && typeof node === 'object' && 'source' in node && typeof node.source === 'string') return node.source;
  return undefined;
}
