// Static sites on the local target (a built hugo job): nothing runs. The gateway serves the site's folder itself
// (RouteVersion.staticRoot) and answers the probes; the target only keeps the instance, so status and list know it.
import { lstatSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { RtError } from '../../core/errors.js';
import type { StaticArtifact } from '../../jobtypes/index.js';
import type { InstanceRef, InstanceSpec } from '../types.js';
import { chownTree } from './sandbox/chown-tree.js';
import { LogFile } from './log-file.js';

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export class StaticSites {
  private readonly sites = new Map<string, InstanceRef>();

  /**
   * `jobDir` is the job's folder, already checked to be a build folder. The site must be a real folder inside it; it
   * passes to the server's own uid, so no job's uid can change what is served once it is built.
   */
  start(spec: InstanceSpec, artifact: StaticArtifact, jobDir: string, logPath: string): void {
    const root = realpathSync(artifact.root);
    if (!root.startsWith(realpathSync(jobDir) + sep) || !lstatSync(root).isDirectory()) {
      throw new RtError(`the static site ${artifact.root} is not a folder inside the job folder ${jobDir}`);
    }
    const uid = process.getuid?.();
    if (uid === 0) chownTree(root, 0, 0);
    const log = new LogFile(logPath);
    log.write(`racetrack: serving the static site in ${artifact.root}, with no process\n`);
    log.close();
    this.sites.set(keyOf(spec), { name: spec.name, version: spec.version, deploymentId: spec.deploymentId });
  }

  has(ref: InstanceRef): boolean {
    return this.sites.has(keyOf(ref));
  }

  /** true when ref was a static site */
  stop(ref: InstanceRef): boolean {
    return this.sites.delete(keyOf(ref));
  }

  list(): InstanceRef[] {
    return [...this.sites.values()];
  }

  clear(): void {
    this.sites.clear();
  }
}
