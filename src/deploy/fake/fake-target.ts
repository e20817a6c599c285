// An in-memory target for fast tests of everything above the targets (pipeline, lifecycle, faces): each replica is an
// HTTP server inside this process that answers the wrapper contract's probes and echoes calls; it runs no artifact.
// It keeps the InfrastructureTarget contract (target-contract.ts runs against it, as against the real targets).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RtError } from '../../core/errors.js';
import type { Artifact, ArtifactKind } from '../../jobtypes/index.js';
import type { InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, Upstream } from '../types.js';

interface FakeInstance {
  spec: InstanceSpec;
  servers: Server[];
  log: string[];
}

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export class FakeTarget implements InfrastructureTarget {
  readonly name: string;
  readonly runs: ArtifactKind;
  readonly #instances = new Map<string, FakeInstance>();
  /** calls each replica answered, for assertions */
  readonly calls: { upstream: Upstream; method: string; url: string }[] = [];

  constructor(opts: { name?: string; runs?: ArtifactKind } = {}) {
    this.name = opts.name ?? 'fake';
    this.runs = opts.runs ?? 'process';
  }

  confineBuild(): { run: () => Promise<string>; release(): void } {
    return { run: async () => '', release: () => {} };
  }

  async start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]> {
    const kinds = this.runs === 'process' ? ['process', 'static'] : ['image'];
    if (!kinds.includes(artifact.kind)) throw new RtError(`the ${this.name} target runs ${this.runs} artifacts; ${spec.name} ${spec.version} was built as ${artifact.kind}`);
    await this.stop(spec);
    const inst: FakeInstance = { spec, servers: [], log: [] };
    this.#instances.set(keyOf(spec), inst);
    for (let i = 0; i < spec.replicas; i++) inst.servers.push(await this.#replica(inst));
    inst.log.push(`started ${spec.replicas} replica(s) of ${spec.name} ${spec.version}`);
    return inst.servers.map(upstreamOf);
  }

  async #replica(inst: FakeInstance): Promise<Server> {
    const server = createServer((req, res) => {
      const upstream = upstreamOf(server);
      this.calls.push({ upstream, method: req.method ?? '', url: req.url ?? '' });
      inst.log.push(`${req.method} ${req.url}`);
      const probe = (req.url ?? '').replace(/^\/pub\/job\/[^/]+\/[^/]+/, '');
      const body = ['/live', '/ready', '/health'].includes(probe)
        ? { job_name: inst.spec.name, job_version: inst.spec.version, status: 'pass', live: true, ready: true }
        : { job_name: inst.spec.name, job_version: inst.spec.version, method: req.method, url: req.url, upstream };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  async scale(ref: InstanceRef, replicas: number): Promise<Upstream[]> {
    const inst = this.#instances.get(keyOf(ref));
    if (!inst) throw new RtError(`${ref.name} ${ref.version} does not run on the ${this.name} target`);
    inst.spec = { ...inst.spec, replicas };
    await Promise.all(inst.servers.splice(replicas).map(closeServer));
    while (inst.servers.length < replicas) inst.servers.push(await this.#replica(inst));
    inst.log.push(`scaled ${inst.spec.name} ${inst.spec.version} to ${replicas} replica(s)`);
    return inst.servers.map(upstreamOf);
  }

  async stop(ref: InstanceRef): Promise<void> {
    const inst = this.#instances.get(keyOf(ref));
    if (!inst) return;
    this.#instances.delete(keyOf(ref));
    await Promise.all(inst.servers.map(closeServer));
  }

  async status(ref: InstanceRef): Promise<InstanceState> {
    return this.#instances.has(keyOf(ref)) ? { status: 'running' } : { status: 'lost', detail: `no such instance on the ${this.name} target` };
  }

  async *logs(ref: InstanceRef, opts: { tail?: number }): AsyncIterable<string> {
    const lines = this.#instances.get(keyOf(ref))?.log ?? [];
    yield* opts.tail ? lines.slice(-opts.tail) : lines;
  }

  async list(): Promise<InstanceRef[]> {
    return [...this.#instances.values()].map(({ spec }) => ({ name: spec.name, version: spec.version, deploymentId: spec.deploymentId }));
  }

  async shutdown(): Promise<void> {
    for (const inst of [...this.#instances.values()]) await this.stop(inst.spec);
  }

  async purge(): Promise<void> {}
}

function closeServer(s: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

function upstreamOf(server: Server): Upstream {
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
