// Which readiness probe an artifact's upstreams answer (see waitReady in src/core).
import type { ReadyProbe } from '../core/wait-ready.js';
import type { Artifact } from '../jobtypes/index.js';

export function readyProbe(artifact: Artifact): ReadyProbe {
  return artifact.kind === 'image' && artifact.proxy ? 'http' : 'wrapper';
}
