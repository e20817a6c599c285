// Where a remote deploy's git may connect. A deployer names any host in git.remote, so unchecked the server would
// open connections for them to its own loopback (a docker job's published port, the engine's or a sidecar's
// ports: no token needed there) or a cloud's metadata service. The host is resolved here, every address it has is
// checked against the denied networks, and git is then pinned to the checked address, so a second answer of the
// name server (DNS rebinding) cannot send git elsewhere.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { BadRequestError, UsageError } from '../../core/errors.js';

/**
 * loopback, "this network" and link-local (where metadata services answer): never a git server of a tenant's. With
 * this default the host's own addresses are denied too (load-settings.ts).
 */
export const DEFAULT_DENIED_NETWORKS = '127.0.0.0/8 0.0.0.0/8 169.254.0.0/16 ::1/128 fe80::/10';

export interface DeniedNetworks {
  list: BlockList;
  /** as configured, for messages */
  text: string;
  /** what the server denies besides the setting (denyAlso), a line each, for messages */
  added: string[];
}

/** Parses RACETRACK_REMOTE_DENIED_NETWORKS: CIDRs separated by spaces or commas; empty denies nothing. */
export function parseDeniedNetworks(setting: string, raw: string): DeniedNetworks {
  const list = new BlockList();
  const cidrs = raw.split(/[\s,]+/).filter(Boolean);
  for (const cidr of cidrs) {
    if (!addNetwork(list, cidr)) throw new UsageError(`${setting}: "${cidr}" is not a network such as 10.0.0.0/8 or fd00::/8`);
  }
  return { list, text: cidrs.join(' '), added: [] };
}

/**
 * Denies these networks too (`what` names them in refusals): what the server learns at start, such as the Docker
 * networks its jobs' containers are on, where git would reach a job without the gateway or its token.
 */
export function denyAlso(denied: DeniedNetworks, cidrs: string[], what: string): void {
  const added = cidrs.filter((cidr) => addNetwork(denied.list, cidr));
  if (added.length) denied.added.push(`${what}: ${added.join(' ')}`);
}

/** Every address of this host's interfaces, as networks of one: a remote there is the server's own host, as loopback is. */
export function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => `${a.address}/${a.family === 'IPv4' ? 32 : 128}`));
}

/** Adds ADDRESS/BITS to the list; false when `cidr` is no such network. */
function addNetwork(list: BlockList, cidr: string): boolean {
  const [address = '', bits, extra] = cidr.split('/');
  const family = isIP(address);
  const prefix = Number(bits);
  if (!family || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return true;
}

/**
 * The addresses git may connect to for `host` (CheckedRemote.host: an IPv6 address without brackets): all it resolves
 * to, once none of them is denied (one denied address refuses the host). A literal address is checked as it is;
 * BlockList checks an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 networks too.
 */
export async function checkedRemoteAddresses(host: string, denied: DeniedNetworks): Promise<string[]> {
  const family = isIP(host);
  const addresses = family
    ? [{ address: host, family }]
    : await lookup(host, { all: true, verbatim: true }).catch((e: NodeJS.ErrnoException) => {
      throw new BadRequestError(`git.remote: ${host} does not resolve (${e.code ?? e.message})`);
    });
  if (addresses.length === 0) throw new BadRequestError(`git.remote: ${host} does not resolve`);
  for (const { address, family: f } of addresses) {
    if (denied.list.check(address, f === 6 ? 'ipv6' : 'ipv4')) {
      throw new BadRequestError(`git.remote: ${host} is ${address === host ? 'an address' : `at ${address}, an address`} remote deploys may not reach`, [
        `RACETRACK_REMOTE_DENIED_NETWORKS: ${denied.text}`,
        ...denied.added,
      ]);
    }
  }
  return addresses.map((a) => a.address);
}
