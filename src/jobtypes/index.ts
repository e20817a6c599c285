export { findJobType, getJobType, jobTypeNames } from './registry.js';
export type { JobType, Artifact, BuildContext, BuildRunner, Command, JobEnv } from './types.js';
