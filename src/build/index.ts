export { DeployPipeline, newDeploymentId, type DeployRequest, type DeployOutcome, type PipelineDeps } from './deploy-pipeline.js';
export { PushDeployer, printUrls } from './push-deployer.js';
export { Reporter, type Sink } from '../core/reporter.js';
export { parsePushOptions, type PushOptions } from './push-options.js';
export { DeploysService } from './deploys-service.js';
export { deploymentView, type DeploymentView } from './deployment-view.js';
export { deployFromArchive, type ArchiveDeployRequest, type ArchiveDeployDeps } from './deploy-from-archive.js';
export { ImageBuilder } from './image-builder/index.js';
