// The bridge network every job container (and every image build step) joins, with inter-container traffic off:
// a container reaches no other container on it, yet has outbound access (NAT) and the host's gateway address,
// where the pub relay listens. One network per engine, shared by every server on it, so tests leak none.
import type Docker from 'dockerode';
import { RtError } from '../../core/errors.js';

export const JOB_NETWORK = 'racetrack-jobs';
/** the bridge driver's switch for traffic between containers of one network (iptables DROP when "false") */
const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
const OWNED_LABEL = 'racetrack.network';

export interface JobNetwork {
  id: string;
  /** the host's address on the bridge: containers' default route, and where host.docker.internal points */
  gateway: string;
}

/** The job network, created when missing; a network of that name that lets containers talk is refused, not used. */
export async function ensureJobNetwork(docker: Docker): Promise<JobNetwork> {
  let network = await findJobNetwork(docker);
  if (!network) {
    const created = await docker.createNetwork({
      Name: JOB_NETWORK,
      CheckDuplicate: true,
      Driver: 'bridge',
      Options: { [ICC_OPTION]: 'false' },
      Labels: { [OWNED_LABEL]: 'jobs' },
    }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 409) throw e; // another server created it meanwhile
      return undefined;
    });
    network = await findJobNetwork(docker);
    // CheckDuplicate is not atomic: when two servers raced, the oldest network is everyone's and ours goes
    if (created && network?.Id !== created.id) await created.remove().catch(() => {});
  }
  if (!network) throw new RtError(`the Docker network ${JOB_NETWORK} could not be created`);
  if (network.Driver !== 'bridge' || network.Options?.[ICC_OPTION] !== 'false') {
    throw new RtError(`the Docker network ${JOB_NETWORK} lets containers reach each other: remove it (docker network rm ${JOB_NETWORK}) and Racetrack recreates it with ${ICC_OPTION}=false`);
  }
  const ipv4 = network.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
  const gateway = ipv4?.Gateway;
  if (!gateway) throw new RtError(`the Docker network ${JOB_NETWORK} has no IPv4 gateway`);
  return { id: network.Id, gateway };
}

/** the oldest network named exactly JOB_NETWORK (the engine's name filter also matches substrings) */
async function findJobNetwork(docker: Docker): Promise<Docker.NetworkInspectInfo | undefined> {
  const named = (await docker.listNetworks({ filters: { name: [JOB_NETWORK] } })).filter((n) => n.Name === JOB_NETWORK);
  return named.sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || (a.Id < b.Id ? -1 : 1))[0];
}
