export { findJobType, getJobType, jobTypeNames } from './registry.js';
export type { JobType, Artifact, BuildContext, Command, JobEnv } from './types.js';
