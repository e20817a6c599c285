// Keeps local jobs off the Docker bridges: pasta sends a sandbox's outbound traffic through host sockets owned by
// the job's uid, so from the host's side a local job could reach any container's address directly, with no token.
// One iptables chain rejects traffic of the sandbox uids to those subnets, except to their gateway (the host
// itself, as on any other of its addresses). Rules are added idempotently, so several servers on one host (sharing
// the default uid range) add each rule once.
import { runProcess } from '../../../core/run-process.js';
import type { UidRange } from './uid-pool.js';

const CHAIN = 'RACETRACK-SANDBOX';

export interface FencedSubnet {
  subnet: string;
  /** the host's own address in it: stays reachable */
  gateway?: string;
}

export async function fenceSubnets(uids: UidRange, subnets: FencedSubnet[]): Promise<void> {
  for (const [tool, v6] of [['iptables', false], ['ip6tables', true]] as const) {
    const family = subnets.filter((s) => s.subnet.includes(':') === v6);
    if (!family.length) continue;
    const ipt = (...args: string[]) => runProcess(tool, ['-w', ...args], { what: tool });
    const exists = (...args: string[]) => ipt('-C', ...args).then(() => true, () => false);
    await ipt('-N', CHAIN).catch(() => {}); // already there
    const owner = ['-m', 'owner', '--uid-owner', `${uids.first}-${uids.last}`];
    for (const { subnet, gateway } of family) {
      // gateways first: a rule inserted at the top is seen before every REJECT
      const host = gateway ? [CHAIN, ...owner, '-d', gateway, '-j', 'RETURN'] : undefined;
      if (host && !(await exists(...host))) await ipt('-I', CHAIN, '1', ...host.slice(1));
      const reject = [CHAIN, ...owner, '-d', subnet, '-j', 'REJECT'];
      if (!(await exists(...reject))) await ipt('-A', ...reject);
    }
    if (!(await exists('OUTPUT', '-j', CHAIN))) await ipt('-I', 'OUTPUT', '1', '-j', CHAIN);
  }
}
