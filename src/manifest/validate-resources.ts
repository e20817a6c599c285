// Checks resources: Kubernetes quantities for memory and CPU, each minimum no larger than its maximum.
import type { Manifest } from './types.js';
import type { Findings } from './findings.js';
import { parseCpuQuantity } from './parse-cpu-quantity.js';
import { parseMemoryQuantity } from './parse-memory-quantity.js';
import { quote } from './quote.js';

type Resources = Manifest['resources'];
type ResourceKey = keyof Resources;

const KINDS = {
  memory: { parse: parseMemoryQuantity, example: 'a memory quantity like 512Mi, 1Gi or 1G' },
  cpu: { parse: parseCpuQuantity, example: 'a CPU quantity like 100m, 0.5 or 2' },
} as const;

export function validateResources(f: Findings, value: unknown): Resources {
  const map = f.mapping(['resources'], value);
  if (!map) return {};
  f.onlyKeys(['resources'], map, ['memory_min', 'memory_max', 'cpu_min', 'cpu_max']);
  const resources: Resources = {};
  const amounts: Partial<Record<ResourceKey, number>> = {};
  for (const kind of ['memory', 'cpu'] as const) {
    for (const key of [`${kind}_min`, `${kind}_max`] as const) {
      const raw = map[key];
      if (raw === undefined || raw === null) continue;
      const path = ['resources', key];
      // Racetrack reads quantities with str(), so `cpu_max: 2` and `memory_max: 1073741824` are fine unquoted.
      const text = typeof raw === 'number' ? f.textOf(path, raw) : f.string(path, raw);
      if (text === undefined) continue;
      const amount = KINDS[kind].parse(text);
      if (amount === undefined) {
        const slip = kind === 'memory' && /^[\d.]+m$/.test(text) ? `; "m" means thousandths, did you mean ${text.slice(0, -1)}Mi?` : '';
        f.error(path, `${quote(text)} is not ${KINDS[kind].example}${slip}`);
      } else if (amount <= 0) {
        f.error(path, `${quote(text)} must be more than 0`);
      } else {
        resources[key] = text;
        amounts[key] = amount;
      }
    }
    const min = amounts[`${kind}_min`];
    const max = amounts[`${kind}_max`];
    if (min !== undefined && max !== undefined && min > max) {
      f.error(['resources', `${kind}_min`], `${resources[`${kind}_min`]} is more than ${kind}_max ${resources[`${kind}_max`]}`);
    }
  }
  return resources;
}
