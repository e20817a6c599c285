// A deploy without git on the client (POST /lifecycle/api/v1/deploy with a build context): the uploaded tar.gz,
// unpacked as a stream within the job quota, is the job's tree.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Reporter } from '../core/reporter.js';
import type { DeployOutcome } from './deploy-pipeline.js';
import { deployTree, type TreeDeployDeps, type TreeDeployRequest } from './deploy-tree.js';
import { unpackTarGz, type UnpackQuota } from './unpack-tar-gz.js';

export interface ArchiveDeployRequest extends TreeDeployRequest {
  /** the job's folder as a gzip-compressed tar */
  archive: Buffer;
  /** written as the root job.yaml, replacing the archive's own */
  manifest?: Record<string, unknown>;
}

export interface ArchiveDeployDeps extends TreeDeployDeps {
  /** RACETRACK_MAX_JOB_BYTES / RACETRACK_MAX_JOB_FILES */
  quota: UnpackQuota;
}

export function deployFromArchive(deps: ArchiveDeployDeps, req: ArchiveDeployRequest, reporter: Reporter): Promise<DeployOutcome> {
  return deployTree(deps, req, async (work) => {
    await unpackTarGz(req.archive, work, deps.quota);
    if (req.manifest) writeFileSync(join(work, 'job.yaml'), stringify(req.manifest));
    return { what: 'upload' };
  }, reporter);
}
