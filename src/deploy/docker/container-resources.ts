// job.yaml `resources` (Kubernetes quantities) as Docker HostConfig limits and reservations, and those of a running container.
import type { HostConfig } from 'dockerode';
import { parseCpuQuantity, parseMemoryQuantity } from '../../manifest/index.js';
import type { InstanceSpec } from '../types.js';

/** Docker's weight for one whole CPU; cpu_min becomes a relative share, its closest equivalent to a reservation */
const SHARES_PER_CPU = 1024;

export function containerResources(r: InstanceSpec['resources']): HostConfig {
  const memoryMax = r.memory_max === undefined ? undefined : parseMemoryQuantity(r.memory_max);
  const memoryMin = r.memory_min === undefined ? undefined : parseMemoryQuantity(r.memory_min);
  const cpuMax = r.cpu_max === undefined ? undefined : parseCpuQuantity(r.cpu_max);
  const cpuMin = r.cpu_min === undefined ? undefined : parseCpuQuantity(r.cpu_min);
  const config: HostConfig = {};
  if (memoryMax !== undefined) {
    config.Memory = Math.round(memoryMax);
    config.MemorySwap = config.Memory; // no swap beyond the limit, as on Kubernetes
  }
  if (memoryMin !== undefined) config.MemoryReservation = Math.round(memoryMin);
  if (cpuMax !== undefined) config.NanoCpus = Math.round(cpuMax * 1e9);
  if (cpuMin !== undefined) config.CpuShares = Math.max(2, Math.round(cpuMin * SHARES_PER_CPU));
  return config;
}

/** the limits and reservations of an inspected container, to give its replacement */
export function resourcesOf(h: HostConfig): HostConfig {
  const { Memory, MemorySwap, MemoryReservation, NanoCpus, CpuShares } = h;
  return { Memory, MemorySwap, MemoryReservation, NanoCpus, CpuShares };
}
