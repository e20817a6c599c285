// The stand-in API server's state: objects per kind in one namespace, a resource version counter, the log of changes
// that watches replay from a resource version, and the garbage collector (an owner's deletion deletes what it owns).
import { randomUUID } from 'node:crypto';
import { apiVersionOf, schemaError, type Resource } from './resources.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string; kind: string; name: string; apiVersion: string }[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown> & { replicas?: number };
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface Change {
  type: WatchType;
  resource: Resource;
  object: KubeObject;
  rv: number;
}

/** An answer the API server gives as a Status object. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

/** changes kept for watches that resume from a resource version; older ones get 410 Gone */
const LOG_SIZE = 10_000;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export class ObjectStore {
  private rv = 0;
  private readonly objects = new Map<Resource, Map<string, KubeObject>>();
  private readonly log: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  private serviceIps = 0;

  constructor(readonly namespace: string) {}

  get resourceVersion(): string {
    return String(this.rv);
  }

  get(r: Resource, name: string): KubeObject | undefined {
    const obj = this.kind(r).get(name);
    return obj && structuredClone(obj);
  }

  list(r: Resource): KubeObject[] {
    return [...this.kind(r).values()].map((o) => structuredClone(o));
  }

  create(r: Resource, received: KubeObject): KubeObject {
    const obj = this.checked(r, received);
    const name = obj.metadata.name;
    if (this.kind(r).has(name)) throw new ApiError(409, 'AlreadyExists', `${r.plural} "${name}" already exists`);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = new Date().toISOString();
    if (r.kind === 'Deployment') obj.metadata.generation = 1;
    if (r.kind === 'Service') (obj.spec as Record<string, unknown>).clusterIP = `10.96.${Math.floor(++this.serviceIps / 250)}.${(this.serviceIps % 250) + 1}`;
    if (r.kind === 'Secret') mergeStringData(obj);
    return this.commit('ADDED', r, obj);
  }

  /** a whole-object replace (PUT); `status` writes only the status, as the status subresource does */
  update(r: Resource, received: KubeObject, part: 'object' | 'status' = 'object'): KubeObject {
    const current = this.kind(r).get(received.metadata?.name);
    if (!current) throw new ApiError(404, 'NotFound', `${r.plural} "${received.metadata?.name}" not found`);
    const rv = received.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const next = part === 'status'
      ? { ...structuredClone(current), status: received.status }
      : { ...this.checked(r, received), status: current.status };
    next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, generation: current.metadata.generation };
    if (part === 'object' && r.kind === 'Deployment' && JSON.stringify(next.spec) !== JSON.stringify(current.spec)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    if (part === 'object' && r.kind === 'Service') (next.spec as Record<string, unknown>).clusterIP = (current.spec as Record<string, unknown>).clusterIP;
    if (part === 'object' && r.kind === 'Secret') mergeStringData(next);
    this.checked(r, next);
    return this.commit('MODIFIED', r, next);
  }

  delete(r: Resource, name: string): KubeObject {
    const current = this.kind(r).get(name);
    if (!current) throw new ApiError(404, 'NotFound', `${r.plural} "${name}" not found`);
    this.kind(r).delete(name);
    const gone = this.commit('DELETED', r, structuredClone(current), false);
    this.collectOwnedBy(current.metadata.uid!);
    return gone;
  }

  /** changes after a resource version, or undefined when they are no longer kept (410 Gone) */
  changesSince(rv: number): Change[] | undefined {
    if (rv >= this.rv) return [];
    if (this.log.length === 0 || this.log[0]!.rv > rv + 1) return undefined;
    return this.log.filter((c) => c.rv > rv);
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private kind(r: Resource): Map<string, KubeObject> {
    let m = this.objects.get(r);
    if (!m) this.objects.set(r, (m = new Map()));
    return m;
  }

  private commit(type: WatchType, r: Resource, obj: KubeObject, store = true): KubeObject {
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    obj.metadata.namespace = this.namespace;
    obj.metadata.resourceVersion = String(++this.rv);
    if (store) this.kind(r).set(obj.metadata.name, obj);
    const change: Change = { type, resource: r, object: structuredClone(obj), rv: this.rv };
    this.log.push(change);
    if (this.log.length > LOG_SIZE) this.log.shift();
    for (const l of this.listeners) l(change);
    return structuredClone(obj);
  }

  private collectOwnedBy(uid: string): void {
    for (const [r, objs] of this.objects) {
      for (const o of [...objs.values()]) if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) this.delete(r, o.metadata.name);
    }
  }

  /** What the API server refuses before storing: a wrong kind, an object that breaks the official schema, bad names and labels. */
  private checked(r: Resource, received: KubeObject): KubeObject {
    const obj = structuredClone(received);
    if (obj.kind !== undefined && obj.kind !== r.kind) throw new ApiError(400, 'BadRequest', `the kind ${obj.kind} does not match ${r.plural}`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(r)) throw new ApiError(400, 'BadRequest', `apiVersion ${obj.apiVersion} does not match ${apiVersionOf(r)}`);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const invalid = (why: string) => new ApiError(422, 'Invalid', `${r.kind} "${obj.metadata?.name ?? ''}" is invalid: ${why}`);
    const schema = schemaError(r, obj);
    if (schema) throw invalid(schema);
    const name = obj.metadata?.name;
    if (!name) throw invalid('metadata.name: Required value');
    const nameRule = r.kind === 'Service' ? DNS1035_LABEL : DNS1123_SUBDOMAIN;
    if (!nameRule.test(name) || name.length > (r.kind === 'Service' ? 63 : 253)) throw invalid(`metadata.name: Invalid value: "${name}"`);
    if (obj.metadata.namespace && obj.metadata.namespace !== this.namespace) throw invalid(`metadata.namespace: does not match the namespace of the request`);
    const labelSets = [obj.metadata.labels, (obj.spec?.template as KubeObject | undefined)?.metadata?.labels];
    for (const labels of labelSets) {
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (!LABEL_KEY.test(k)) throw invalid(`metadata.labels: Invalid value: "${k}": a label key must be a qualified name`);
        if (v.length > 63 || !LABEL_VALUE.test(v)) throw invalid(`metadata.labels: Invalid value: "${v}": a valid label must be 63 characters or less, alphanumeric, '-', '_' or '.'`);
      }
    }
    if (r.kind === 'Deployment') {
      const spec = obj.spec as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
      const templateLabels = spec.template?.metadata?.labels ?? {};
      const matches = Object.entries(spec.selector?.matchLabels ?? {}).every(([k, v]) => templateLabels[k] === v);
      if (!matches) throw invalid('spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`');
    }
    return obj;
  }
}

/** as the API server writes a Secret: stringData is write-only, merged into data (base64) */
function mergeStringData(secret: KubeObject): void {
  if (!secret.stringData) return;
  const data = (secret.data ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(secret.stringData as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
  secret.data = data;
  delete secret.stringData;
}
