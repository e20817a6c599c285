// The typed job.yaml (CONTRACT §3) and the shapes parseManifest hands back.
import type { FieldError } from '../core/errors.js';


export interface Manifest {
  name: string;
  owner_email?: string;
  /** As written (after `lang` → `jobtype`), e.g. 'python3' or 'python3:1.2.3'; split it with parseJobtype. */
  jobtype: string;
  version: string;
  git?: { remote?: string; branch?: string; directory?: string };
  jobtype_extra: Record<string, unknown>;
  build_env: Record<string, string>;
  runtime_env: Record<string, string>;
  secret_build_env_file?: string;
  secret_runtime_env_file?: string;
  labels: Record<string, string>;
  public_endpoints: string[];
  replicas: number;
  resources: { memory_min?: string; memory_max?: string; cpu_min?: string; cpu_max?: string };
  /** a target's name: the server's target registry says which exist */
  infrastructure_target?: string;
  system_dependencies: string[];
}

export type ManifestResult =
  | { ok: true; manifest: Manifest; warnings: string[] }
  | { ok: false; errors: FieldError[]; warnings: string[] };

export interface ParseManifestOptions {
  /** Repo-relative path of the manifest, e.g. 'job.yaml' or 'jobs/adder/job.yaml'; `extends` is resolved from its folder. */
  path: string;
  /** Reads another file of the same commit by repo-relative '/'-separated path; undefined when absent. */
  readFile: (repoPath: string) => string | undefined;
  /**
   * Checks jobtype_extra for a job type name such as 'python3'; returns problems, none when valid.
   * A message 'SUBFIELD: problem' (SUBFIELD a plain key, optionally dotted) becomes field
   * 'jobtype_extra.SUBFIELD' with message 'problem'; a message starting with 'unknown job type'
   * becomes an error on 'jobtype'; any other message is an error on 'jobtype_extra'.
   */
  /** the job type's verdict on jobtype_extra; a message starting `unknown job type` is about the jobtype field itself */
  validateJobtypeExtra?: (jobtype: { name: string; version: string }, extra: Record<string, unknown>) => string[];
}
