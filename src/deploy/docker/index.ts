// The docker target, the engine it shares with the image builder, and the check whether an engine answers.
export { DockerTarget, type DockerTargetOptions } from './docker-target.js';
export { DockerEngine } from './docker-engine.js';
export { LABEL } from './instance-labels.js';
export { dockerAvailable } from './docker-available.js';
