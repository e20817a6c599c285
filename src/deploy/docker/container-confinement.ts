// What confines a job's container: a non-root user, no capabilities, no privilege gained through setuid files,
// a bound on its processes (a fork bomb stays inside), the job network, where it reaches no other container, and
// the OOM killer's first choice when the host runs out of memory (the server is not).
import type { HostConfig } from 'dockerode';
import type { JobNetwork } from './job-network.js';
import { CONTAINER_HOST_ALIAS } from './pub-relay.js';
import { JOB_OOM_SCORE_ADJ } from '../oom-first.js';

/** Raised when the confinement below grows: list() re-creates containers that carry an older one (or none). */
export const CONFINEMENT_VERSION = '2';
/** nobody:nogroup, for an image whose user is root, or is a name that may map to uid 0 in the image's own passwd */
const FALLBACK_USER = '65534:65534';

export function confinedHostConfig(network: JobNetwork, pidsLimit: number): HostConfig {
  return {
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    PidsLimit: pidsLimit,
    OomScoreAdj: JOB_OOM_SCORE_ADJ,
    NetworkMode: network.id,
    // the job network's gateway, not host-gateway (which is the default bridge's): the pub relay listens there
    ExtraHosts: [`${CONTAINER_HOST_ALIAS}:${network.gateway}`],
  };
}

/** The image's USER when it is a numeric uid:gid, neither 0; otherwise nobody. */
export function containerUser(imageUser: string | undefined): string {
  const numeric = /^(\d+):(\d+)$/.exec(imageUser ?? '');
  return numeric && Number(numeric[1]) > 0 && Number(numeric[2]) > 0 ? imageUser! : FALLBACK_USER;
}
