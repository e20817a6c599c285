// This server's view of one Docker engine, shared by the docker target (which runs containers) and the image
// builder (which builds their images): the dockerode client, the owner id that tells this server's containers and
// images from another's on a shared engine, and the job network (checked, and created when missing, once per use).
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import Docker from 'dockerode';
import { ensureJobNetwork, type JobNetwork } from './job-network.js';

export class DockerEngine {
  readonly docker: Docker;
  /** a hash of the data dir: names this server's containers and images */
  readonly owner: string;
  private networkCheck?: Promise<JobNetwork>;

  /** @param docker defaults to the engine of DOCKER_HOST, else the local socket */
  constructor(dataDir: string, docker?: Docker) {
    this.docker = docker ?? new Docker();
    this.owner = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  }

  /** The engine's bridge networks (the job network made first): their subnets hold containers, their gateways are the host. */
  async bridgeSubnets(): Promise<{ subnet: string; gateway?: string }[]> {
    await this.jobNetwork();
    const networks = await this.docker.listNetworks({ filters: { driver: ['bridge'] } });
    return networks.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [{ subnet: c.Subnet, gateway: c.Gateway || bridgeAddress(n, c.Subnet) }] : [])));
  }

  /** concurrent callers share one check */
  jobNetwork(): Promise<JobNetwork> {
    return (this.networkCheck ??= ensureJobNetwork(this.docker).finally(() => (this.networkCheck = undefined)));
  }
}

/**
 * The host's address on a bridge whose IPAM names no gateway (the default bridge): its interface's address while it
 * is up, else the subnet's first address, which is where the engine puts it unless told otherwise.
 */
function bridgeAddress(network: Docker.NetworkInspectInfo, subnet: string): string | undefined {
  const name = network.Options?.['com.docker.network.bridge.name'];
  const v6 = subnet.includes(':');
  const up = name ? networkInterfaces()[name]?.find((a) => (a.family === 'IPv6') === v6 && !a.internal)?.address : undefined;
  if (up || v6) return up;
  const [base, bits] = subnet.split('/');
  const octets = base!.split('.').map(Number);
  if (octets.length !== 4 || Number(bits) > 30) return undefined;
  const first = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) + 1;
  return [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join('.');
}
