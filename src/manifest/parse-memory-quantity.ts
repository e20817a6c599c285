// Memory quantities in bytes: '512Mi', '1Gi', '1G', '1500k', '1073741824'.
import { parseQuantity } from './parse-quantity.js';

// Sub-byte suffixes (m, u, n) are valid Kubernetes syntax but always a mistake for memory ('512m' is half a byte), so they are refused.
const MEMORY_MULTIPLIERS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function parseMemoryQuantity(q: string): number | undefined {
  return parseQuantity(q, MEMORY_MULTIPLIERS);
}
