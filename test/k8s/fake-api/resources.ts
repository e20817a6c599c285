// The kinds the stand-in API server serves, with where they live in the API and the official schema each object is
// checked against (kubernetes-models: the Kubernetes OpenAPI definitions compiled to validators, not written here).
import { Deployment } from 'kubernetes-models/apps/v1';
import { Event, Pod, Secret, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';

interface Validating {
  validate(): void;
}

export interface Resource {
  /** '' for the core group */
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** the short names kubectl resolves (`deploy`, `svc`) */
  shortNames: string[];
  subresources: string[];
  model: new (data: never) => Validating;
}

export const RESOURCES: Resource[] = [
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', shortNames: ['deploy'], subresources: ['status'], model: Deployment },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', shortNames: ['svc'], subresources: ['status'], model: Service },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', shortNames: [], subresources: [], model: Secret },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', shortNames: ['po'], subresources: ['status', 'log'], model: Pod },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', shortNames: ['ev'], subresources: [], model: Event },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'], subresources: [], model: NetworkPolicy },
];

export const apiVersionOf = (r: Resource) => (r.group ? `${r.group}/${r.version}` : r.version);

/** The object checked against its kind's official schema; the validator's message when it does not fit. */
export function schemaError(r: Resource, obj: unknown): string | undefined {
  try {
    new r.model(obj as never).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
