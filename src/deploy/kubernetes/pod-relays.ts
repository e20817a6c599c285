// The pods reach mode: one loopback listener per replica, each connection relayed to a ready pod of the version (the
// listener's index picks among them, so replicas spread). The gateway keeps fixed upstreams while pods come and go,
// and a version with no ready pod refuses connections, which the gateway fails over like a dead replica.
import { connect, createServer, type Server } from 'node:net';
import { logger } from '../../core/log.js';

const log = logger('rt:deploy:kubernetes');

/** host:port of the ready pods, in a stable order */
export type ReadyPods = () => string[];

export class PodRelays {
  private readonly open = new Map<string, Server[]>();

  /** listens on each port (0: any) and resolves with the 127.0.0.1:PORT upstreams */
  async listen(key: string, ports: number[], readyPods: ReadyPods): Promise<string[]> {
    this.close(key);
    this.open.set(key, []);
    return this.add(key, ports, readyPods);
  }

  /** keeps the first `count` relays (or all there are), closes the others, opens new ones up to `count` */
  async resize(key: string, count: number, readyPods: ReadyPods): Promise<string[]> {
    const servers = this.open.get(key) ?? [];
    for (const s of servers.splice(count)) s.close();
    this.open.set(key, servers);
    const kept = servers.map((s) => `127.0.0.1:${(s.address() as { port: number }).port}`);
    return [...kept, ...await this.add(key, new Array<number>(count - servers.length).fill(0), readyPods)];
  }

  private async add(key: string, ports: number[], readyPods: ReadyPods): Promise<string[]> {
    const servers = this.open.get(key)!;
    const upstreams: string[] = [];
    for (const port of ports) {
      const index = servers.length;
      const server = createServer((client) => {
        const pods = readyPods();
        if (pods.length === 0) return client.destroy();
        const target = pods[index % pods.length]!;
        const i = target.lastIndexOf(':');
        const upstream = connect(Number(target.slice(i + 1)), target.slice(0, i));
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.unref();
      servers.push(server);
      const bound = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      }).catch((e: NodeJS.ErrnoException) => {
        if (port === 0) throw e;
        log.warn({ port, err: e.message }, 'a relay port of a running version is taken: it gets a new one until its next restart');
        return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
      });
      upstreams.push(`127.0.0.1:${bound}`);
    }
    return upstreams;
  }

  close(key: string): void {
    for (const s of this.open.get(key) ?? []) s.close();
    this.open.delete(key);
  }

  closeAll(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }
}
