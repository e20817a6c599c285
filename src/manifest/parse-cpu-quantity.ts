// CPU quantities in cores: '2', '0.5', '100m' (= 0.1).
import { parseQuantity } from './parse-quantity.js';

const CPU_MULTIPLIERS: Readonly<Record<string, number>> = { '': 1, m: 1e-3, u: 1e-6, n: 1e-9 };

export function parseCpuQuantity(q: string): number | undefined {
  return parseQuantity(q, CPU_MULTIPLIERS);
}
