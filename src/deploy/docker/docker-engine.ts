// This server's view of one Docker engine, shared by the docker target (which runs containers) and the image
// builder (which builds their images): the dockerode client, the owner id that tells this server's containers and
// images from another's on a shared engine, and the job network (checked, and created when missing, once per use).
import { createHash } from 'node:crypto';
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

  /** concurrent callers share one check */
  jobNetwork(): Promise<JobNetwork> {
    return (this.networkCheck ??= ensureJobNetwork(this.docker).finally(() => (this.networkCheck = undefined)));
  }
}
