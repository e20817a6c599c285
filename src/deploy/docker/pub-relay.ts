// How containers reach the gateway, which listens on loopback only: a TCP relay on the job network's gateway address
// (where `host.docker.internal` points in every job container) forwards to the gateway and nowhere else.
// Its port is kept in the data dir, so the PUB_URL given to a container stays valid after a server restart.
import { createServer, connect, type Server } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { logger } from '../../core/log.js';

const log = logger('rt:deploy:docker');
export const CONTAINER_HOST_ALIAS = 'host.docker.internal';
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export class PubRelay {
  private server?: Server;
  private listening?: Promise<number | undefined>;

  /**
   * @param bridgeAddress the host's address on the job network, which containers reach
   * @param gatewayUrl the gateway's URL on this host, read per connection (its port is known only once it listens)
   */
  constructor(private readonly bridgeAddress: () => Promise<string>, private readonly portFile: string, private readonly gatewayUrl: () => string) {}

  /** PUB_URL as a container must see it: a loopback URL is rewritten to host.docker.internal and the relay's port. */
  async containerUrl(pubUrl: string): Promise<string> {
    const url = new URL(pubUrl);
    if (!LOOPBACK.test(url.hostname)) return pubUrl; // already an address containers can reach
    const port = await this.start();
    return port === undefined ? pubUrl : pubUrl.replace(url.origin, `${url.protocol}//${CONTAINER_HOST_ALIAS}:${port}`);
  }

  /** Listens (once) on the bridge address; undefined when that address is not on this host (a remote engine). */
  start(): Promise<number | undefined> {
    return (this.listening ??= this.listen().catch((e: unknown) => {
      this.listening = undefined; // no job network yet: a later start tries again
      throw e;
    }));
  }

  close(): void {
    this.server?.close();
  }

  private async listen(): Promise<number | undefined> {
    const host = await this.bridgeAddress();
    const saved = existsSync(this.portFile) ? Number(readFileSync(this.portFile, 'utf8')) : 0;
    try {
      const port = await this.listenOn(host, saved).catch((e: NodeJS.ErrnoException) => {
        if (saved && e.code === 'EADDRINUSE') {
          log.warn({ port: saved }, 'the pub relay port is taken: containers started before keep a stale PUB_URL');
          return this.listenOn(host, 0);
        }
        throw e;
      });
      mkdirSync(dirname(this.portFile), { recursive: true });
      writeFileSync(this.portFile, String(port));
      log.info({ host, port }, 'pub relay for containers listening');
      return port;
    } catch (e) {
      log.warn({ host, err: (e as Error).message }, 'could not listen on the Docker bridge: jobs get PUB_URL unchanged');
      return undefined;
    }
  }

  private listenOn(host: string, port: number): Promise<number> {
    const server = createServer((client) => {
      const gateway = new URL(this.gatewayUrl());
      const upstream = connect(Number(gateway.port || 80), gateway.hostname.replace(/^\[|\]$/g, ''));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    server.unref(); // never what keeps the process alive
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (e) => log.warn({ err: e.message }, 'pub relay error'));
        this.server = server;
        resolve((server.address() as { port: number }).port);
      });
    });
  }
}
