// Names and labels of a job version's objects. Names are DNS-1035 labels (a Service's rule, the strictest) and
// collision-free: a readable part plus a hash of the exact job name, version and deployment, so `a_b`, `a-b` and `A-b`
// never share an object. Label values carry the exact name when it is a valid label value; the exact name and version
// are always in annotations, which is what adoption reads.
import { createHash } from 'node:crypto';
import type { InstanceRef } from '../types.js';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  job: 'racetrack.io/job-name',
  version: 'racetrack.io/job-version',
  deployment: 'racetrack.io/deployment',
  /** which server (data dir) made it: several servers may share a namespace */
  owner: 'racetrack.io/owner',
} as const;

export const ANNOTATION = {
  job: 'racetrack.io/job-name',
  version: 'racetrack.io/job-version',
  deployment: 'racetrack.io/deployment',
  /** pods reach mode: the loopback relay ports, kept so the upstreams stay the same after a restart */
  relayPorts: 'racetrack.io/relay-ports',
  /** an idle version's Deployment, scaled to 0 until its wake: when it was suspended */
  suspended: 'racetrack.io/suspended-at',
} as const;

export const MANAGED_BY = 'racetrack';
/** the labels of Racetrack's own pods (deploy/kubernetes): the only ones a job's NetworkPolicy lets in */
export const SERVER_POD_LABELS = { 'app.kubernetes.io/name': 'racetrack', 'app.kubernetes.io/component': 'server' } as const;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_READABLE = 36;

export function objectName(ref: InstanceRef): string {
  const readable = `${ref.name}-${ref.version}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, MAX_READABLE).replace(/-+$/, '');
  const hash = createHash('sha256').update(`${ref.name}\0${ref.version}\0${ref.deploymentId}`).digest('hex').slice(0, 12);
  return `rt-${readable}-${hash}`;
}

/** a label value: the text itself when valid, else its allowed characters (the annotation keeps the exact text) */
export function labelValue(text: string): string {
  if (text.length <= 63 && LABEL_VALUE.test(text)) return text;
  return text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function instanceLabels(ref: InstanceRef, owner: string): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.job]: labelValue(ref.name),
    [LABEL.version]: labelValue(ref.version),
    [LABEL.deployment]: labelValue(ref.deploymentId),
    [LABEL.owner]: owner,
  };
}

/** what selects one instance's objects and pods (also the Deployment's and Service's selector) */
export function instanceSelector(ref: InstanceRef, owner: string): Record<string, string> {
  return { [LABEL.owner]: owner, [LABEL.deployment]: labelValue(ref.deploymentId) };
}

export function ownerSelector(owner: string): string {
  return `${LABEL.managedBy}=${MANAGED_BY},${LABEL.owner}=${owner}`;
}

export function instanceAnnotations(ref: InstanceRef): Record<string, string> {
  return { [ANNOTATION.job]: ref.name, [ANNOTATION.version]: ref.version, [ANNOTATION.deployment]: ref.deploymentId };
}

/** the instance an object belongs to, from its annotations */
export function refOf(meta: { annotations?: Record<string, string> } | undefined): InstanceRef | undefined {
  const name = meta?.annotations?.[ANNOTATION.job];
  const version = meta?.annotations?.[ANNOTATION.version];
  const deploymentId = meta?.annotations?.[ANNOTATION.deployment];
  return name && version && deploymentId ? { name, version, deploymentId } : undefined;
}
