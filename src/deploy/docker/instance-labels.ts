// The labels that tie a container to its job version, deployment and server: how list() re-adopts after a restart.
import type { InstanceRef } from '../types.js';

export const LABEL = {
  job: 'racetrack.job',
  version: 'racetrack.version',
  deployment: 'racetrack.deployment',
  /** which server (data dir) started it, or built it (on images): several servers may share one engine */
  owner: 'racetrack.owner',
  /** where the gateway reaches this replica, 127.0.0.1:PORT (fixed for the container's life) */
  upstream: 'racetrack.upstream',
  /** the CONFINEMENT_VERSION it was started with */
  confinement: 'racetrack.confinement',
  /** how its readiness shows (ReadyProbe), so it is watched the same way after a restart */
  readyProbe: 'racetrack.ready-probe',
} as const;

export function instanceLabels(ref: InstanceRef, owner: string): Record<string, string> {
  return { [LABEL.job]: ref.name, [LABEL.version]: ref.version, [LABEL.deployment]: ref.deploymentId, [LABEL.owner]: owner };
}

/** the instance a container belongs to, from its labels (or event attributes, which carry the labels) */
export function refOfLabels(labels: Record<string, string> | undefined): InstanceRef | undefined {
  const name = labels?.[LABEL.job];
  const version = labels?.[LABEL.version];
  const deploymentId = labels?.[LABEL.deployment];
  return name && version && deploymentId ? { name, version, deploymentId } : undefined;
}

/** engine `label` filters selecting this server's containers, or one instance's */
export function labelFilters(owner: string, ref?: InstanceRef): string[] {
  const filters = [`${LABEL.owner}=${owner}`];
  if (ref) filters.push(`${LABEL.job}=${ref.name}`, `${LABEL.version}=${ref.version}`, `${LABEL.deployment}=${ref.deploymentId}`);
  return filters;
}
