// The job-type capability: the JobType contract, the registry over job-type plugins, the built-in plugins' folder.
export { JobTypeRegistry } from './registry.js';
export { checkJobTypeModule } from './check-job-type-module.js';
export { BUILT_IN_PLUGINS } from './built-in-plugins.js';
export { LISTEN_FD } from './types.js';
export type {
  Artifact, ArtifactKind, BuildContext, BuildRunner, ImageArtifact, ImageRecipe, JobType, JobTypeDefinition,
  ProcessArtifact, ProcessBuildContext, ProcessCommand, ProxySpec, StaticArtifact,
} from './types.js';
