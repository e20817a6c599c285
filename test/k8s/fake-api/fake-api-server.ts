// A STAND-IN for a Kubernetes API server, not a cluster: node:http serving discovery, CRUD, list with label and field
// selectors and watch (newline-delimited JSON events over a chunked response) for the kinds in resources.ts, in one
// namespace, every received object checked against the official schemas. Faults can be switched on (down, 403, a refused
// create, dropped watches), and every request is counted. The stand-in kubelet (stand-in-kubelet.ts) runs the pods.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { ApiError, ObjectStore, type Change, type KubeObject } from './object-store.js';
import { parseFieldSelector, parseLabelSelector } from './label-selector.js';
import { apiVersionOf, RESOURCES, type Resource } from './resources.js';

export interface LogRequest {
  tailLines?: number;
  follow: boolean;
  signal: AbortSignal;
}
/** the pod's log, from whoever runs its containers (the stand-in kubelet) */
export type LogSource = (pod: string, req: LogRequest) => AsyncIterable<string>;

export interface Faults {
  /** plural names whose every request is refused with 403, as RBAC without the verb would */
  forbidden: Set<string>;
  /** `kind` → message: creating one is refused with 403 and that message (a quota, an admission webhook) */
  refuseCreate: Map<string, string>;
}

const LOGIN = 'racetrack-test';

export class FakeKubeApi {
  readonly faults: Faults = { forbidden: new Set(), refuseCreate: new Map() };
  /** `METHOD path` of every request, in order */
  readonly requests: string[] = [];
  logSource?: LogSource;
  private server: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ServerResponse>();

  private constructor(readonly store: ObjectStore) {
    this.server = this.makeServer();
  }

  static async start(namespace = 'racetrack'): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(new ObjectStore(namespace));
    await api.listen(0);
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** a kind the server serves, e.g. resource('Deployment') */
  resource(kind: string): Resource {
    const r = RESOURCES.find((x) => x.kind === kind);
    if (!r) throw new Error(`the stand-in does not serve ${kind}`);
    return r;
  }

  get namespace(): string {
    return this.store.namespace;
  }

  /** writes a kubeconfig for this server (plain HTTP, which client-node allows only with insecure-skip-tls-verify; a token never checked) and returns its path */
  writeKubeconfig(path: string): string {
    writeFileSync(path, [
      'apiVersion: v1', 'kind: Config', 'current-context: stand-in',
      'clusters:', '- name: stand-in', '  cluster:', `    server: ${this.url}`, '    insecure-skip-tls-verify: true',
      'users:', `- name: ${LOGIN}`, '  user:', '    token: stand-in',
      'contexts:', '- name: stand-in', '  context:', '    cluster: stand-in', `    user: ${LOGIN}`, `    namespace: ${this.namespace}`, '',
    ].join('\n'), { mode: 0o600 });
    return path;
  }

  /** the API server goes away: connections are cut and the port refuses new ones until up() */
  async down(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  async up(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  /** ends every open watch, as an API server restart or a load balancer timeout does */
  dropWatches(): void {
    for (const res of this.watches) res.destroy();
    this.watches.clear();
  }

  async close(): Promise<void> {
    this.dropWatches();
    await this.down();
  }

  private makeServer(): Server {
    const server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      this.handle(req, res).catch((e: unknown) => {
        const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', (e as Error).message);
        if (!res.headersSent) sendStatus(res, err);
        else res.destroy();
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/\/+$/, '');
    const discovery = this.discovery(path);
    if (discovery) return sendJson(res, 200, discovery);
    if (path === `/api/v1/namespaces/${this.namespace}`) {
      return sendJson(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace }, status: { phase: 'Active' } });
    }
    const route = parseRoute(path);
    if (!route) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
    const { resource: r, namespace, name, subresource } = route;
    const verb = verbOf(req.method ?? 'GET', name, url.searchParams);
    if (namespace !== undefined && namespace !== this.namespace || this.faults.forbidden.has(r.plural)) {
      throw new ApiError(403, 'Forbidden', `${r.plural} is forbidden: User "${LOGIN}" cannot ${verb} resource "${r.plural}" in API group "${r.group}" in the namespace "${namespace ?? ''}"`);
    }
    if (subresource === 'log') return this.sendLog(req, res, name!, url.searchParams);
    if (subresource && subresource !== 'status') throw new ApiError(404, 'NotFound', `${r.plural}/${subresource} is not served`);
    const store = this.store;
    switch (verb) {
      case 'get':
        return sendJson(res, 200, found(store.get(r, name!), r, name!));
      case 'list':
        return sendJson(res, 200, this.listOf(r, url.searchParams));
      case 'watch':
        return this.watch(req, res, r, url.searchParams);
      case 'create': {
        const body = await readJson(req);
        const refused = this.faults.refuseCreate.get(r.kind);
        if (refused) throw new ApiError(403, 'Forbidden', refused);
        return sendJson(res, 201, store.create(r, body as KubeObject));
      }
      case 'update': {
        const body = await readJson(req) as KubeObject;
        if (body.metadata?.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        return sendJson(res, 200, store.update(r, body, subresource === 'status' ? 'status' : 'object'));
      }
      case 'patch': {
        const type = (req.headers['content-type'] ?? '').split(';')[0];
        if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
          throw new ApiError(415, 'UnsupportedMediaType', `the stand-in accepts merge patches only, not ${type}`);
        }
        const current = found(store.get(r, name!), r, name!);
        const patched = mergePatch(current, await readJson(req)) as KubeObject;
        delete patched.metadata.resourceVersion;
        return sendJson(res, 200, store.update(r, patched, subresource === 'status' ? 'status' : 'object'));
      }
      case 'delete':
        return sendJson(res, 200, store.delete(r, name!));
      case 'deletecollection': {
        const items = this.select(r, url.searchParams).map((o) => store.delete(r, o.metadata.name));
        return sendJson(res, 200, { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata: { resourceVersion: store.resourceVersion }, items });
      }
    }
  }

  private select(r: Resource, params: URLSearchParams): KubeObject[] {
    const labels = parseSelector(parseLabelSelector, params.get('labelSelector'));
    const fields = parseSelector(parseFieldSelector, params.get('fieldSelector'));
    return this.store.list(r).filter((o) => labels(o.metadata.labels) && fields(o));
  }

  private listOf(r: Resource, params: URLSearchParams): object {
    return { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata: { resourceVersion: this.store.resourceVersion }, items: this.select(r, params) };
  }

  /** resourceVersion "" or "0": the current objects as ADDED, then changes; N: the changes after N, or 410 Gone */
  private watch(req: IncomingMessage, res: ServerResponse, r: Resource, params: URLSearchParams): void {
    const labels = parseSelector(parseLabelSelector, params.get('labelSelector'));
    const fields = parseSelector(parseFieldSelector, params.get('fieldSelector'));
    const from = params.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // a watch with nothing to tell yet is still established
    this.watches.add(res);
    const send = (type: string, object: object) => res.write(`${JSON.stringify({ type, object })}\n`);
    const matches = (c: Change) => c.resource === r && labels(c.object.metadata.labels) && fields(c.object);
    const unsubscribe = this.store.subscribe((c) => {
      if (matches(c)) send(c.type, c.object);
    });
    const end = () => {
      unsubscribe();
      this.watches.delete(res);
    };
    res.on('close', end);
    req.on('close', end);
    if (!from || from === '0') {
      for (const o of this.select(r, params)) send('ADDED', o);
    } else {
      const since = this.store.changesSince(Number(from));
      if (!since) {
        send('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from}` });
        res.end();
        return;
      }
      for (const c of since) if (matches(c)) send(c.type, c.object);
    }
    const timeout = Number(params.get('timeoutSeconds'));
    if (timeout > 0) setTimeout(() => res.end(), timeout * 1000).unref();
  }

  private async sendLog(req: IncomingMessage, res: ServerResponse, pod: string, params: URLSearchParams): Promise<void> {
    found(this.store.get(RESOURCES.find((r) => r.kind === 'Pod')!, pod), RESOURCES.find((r) => r.kind === 'Pod')!, pod);
    if (!this.logSource) throw new ApiError(400, 'BadRequest', `no kubelet serves the logs of pod "${pod}"`);
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    res.on('close', () => abort.abort());
    const tail = params.get('tailLines');
    const lines = this.logSource(pod, { follow: params.get('follow') === 'true', signal: abort.signal, ...(tail ? { tailLines: Number(tail) } : {}) });
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for await (const line of lines) res.write(`${line}\n`);
    res.end();
  }

  private discovery(path: string): object | undefined {
    const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
    if (path === '/version') return { major: '1', minor: '30', gitVersion: 'v1.30.0-racetrack-stand-in', platform: 'linux/amd64' };
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] };
    if (path === '/apis') {
      return {
        kind: 'APIGroupList', apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/') as [string, string];
          return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
        }),
      };
    }
    const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
    if (!gv || (gv !== 'v1' && !groups.includes(gv))) return undefined;
    const resources = RESOURCES.filter((r) => apiVersionOf(r) === gv).flatMap((r) => [
      { name: r.plural, singularName: r.kind.toLowerCase(), namespaced: true, kind: r.kind, shortNames: r.shortNames, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
      ...r.subresources.map((s) => ({ name: `${r.plural}/${s}`, singularName: '', namespaced: true, kind: s === 'log' ? 'Pod' : r.kind, verbs: s === 'log' ? ['get'] : ['get', 'patch', 'update'] })),
    ]);
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }
}

interface Route {
  resource: Resource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] and /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUB]] */
function parseRoute(path: string): Route | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
  if (!m) return undefined;
  const [, coreVersion, group, groupVersion, namespace, plural, name, subresource] = m;
  const resource = RESOURCES.find((r) => r.plural === plural && (coreVersion ? r.group === '' && r.version === coreVersion : r.group === group && r.version === groupVersion));
  return resource && { resource, ...(namespace ? { namespace } : {}), ...(name ? { name: decodeURIComponent(name) } : {}), ...(subresource ? { subresource } : {}) };
}

function verbOf(method: string, name: string | undefined, params: URLSearchParams): string {
  const watching = params.get('watch') === 'true' || params.get('watch') === '1';
  switch (method) {
    case 'GET': return name ? 'get' : watching ? 'watch' : 'list';
    case 'POST': if (!name) return 'create'; break;
    case 'PUT': if (name) return 'update'; break;
    case 'PATCH': if (name) return 'patch'; break;
    case 'DELETE': return name ? 'delete' : 'deletecollection';
  }
  throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed here`);
}

function found(obj: KubeObject | undefined, r: Resource, name: string): KubeObject {
  if (!obj) throw new ApiError(404, 'NotFound', `${r.plural}${r.group ? `.${r.group}` : ''} "${name}" not found`);
  return obj;
}

function parseSelector<T>(parse: (text: string | null) => T, text: string | null): T {
  try {
    return parse(text);
  } catch (e) {
    throw new ApiError(400, 'BadRequest', (e as Error).message);
  }
}

/** RFC 7386: null deletes, objects merge, anything else replaces */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'BadRequest', `the body is not JSON: ${(e as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, e: ApiError): void {
  sendJson(res, e.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code });
}
