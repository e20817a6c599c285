// How containers reach the gateway, which listens on loopback only: a TCP relay on the Docker bridge's host address
// (where `host.docker.internal` points with `--add-host host.docker.internal:host-gateway`) forwards to the gateway.
// Its port is kept in the data dir, so the PUB_URL given to a container stays valid after a server restart.
import { createServer, connect, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { logger } from '../../core/log.js';

const log = logger('rt:deploy:docker');
export const CONTAINER_HOST_ALIAS = 'host.docker.internal';
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export class PubRelay {
  private server?: Server;
  private listening?: Promise<number | undefined>;

  /** @param gatewayUrl the gateway's URL on this host, read per connection (its port is known only once it listens) */
  constructor(private readonly docker: Docker, private readonly portFile: string, private readonly gatewayUrl: () => string) {}

  /** PUB_URL as a container must see it: a loopback URL is rewritten to host.docker.internal and the relay's port. */
  async containerUrl(pubUrl: string): Promise<string> {
    const url = new URL(pubUrl);
    if (!LOOPBACK.test(url.hostname)) return pubUrl; // already an address containers can reach
    const port = await this.start();
    return port === undefined ? pubUrl : pubUrl.replace(url.origin, `${url.protocol}//${CONTAINER_HOST_ALIAS}:${port}`);
  }

  /** Listens (once) on the bridge address; undefined when that address is not on this host (a remote engine). */
  start(): Promise<number | undefined> {
    return (this.listening ??= this.listen());
  }

  close(): void {
    this.server?.close();
  }

  private async listen(): Promise<number | undefined> {
    const host = await this.bridgeAddress();
    if (!host) {
      log.warn('the Docker bridge has no address on this host: jobs get PUB_URL unchanged and may not reach the gateway');
      return undefined;
    }
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

  /**
   * The host's address on the default bridge (docker0), which host-gateway resolves to. The interface is not listed
   * while no container is attached (it has no carrier), so then it is the bridge's gateway, by default its subnet's first address.
   */
  private async bridgeAddress(): Promise<string | undefined> {
    const bridge = await this.docker.getNetwork('bridge').inspect() as { Options?: Record<string, string>; IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] } };
    const ifname = bridge.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
    const listed = networkInterfaces()[ifname]?.find((a) => a.family === 'IPv4')?.address;
    const config = bridge.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
    return listed ?? config?.Gateway ?? (config?.Subnet && firstHost(config.Subnet));
  }
}

/** 172.17.0.0/16 → 172.17.0.1 */
function firstHost(cidr: string): string {
  const octets = cidr.split('/')[0]!.split('.').map(Number);
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}
