// Renders a path inside job.yaml as the dotted field name errors carry: resources.memory_max, public_endpoints[0].
import { quote } from './quote.js';

export type FieldPath = ReadonlyArray<string | number>;

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

export function fieldName(path: FieldPath): string {
  let name = '';
  for (const segment of path) {
    if (typeof segment === 'number') name += `[${segment}]`;
    else {
      const shown = PLAIN_KEY.test(segment) ? segment : quote(segment);
      name += name ? `.${shown}` : shown;
    }
  }
  return name;
}
