// The docker target and the check whether an engine answers.
export { DockerTarget, DEFAULT_BASE_IMAGES, type DockerTargetOptions } from './docker-target.js';
export { dockerAvailable } from './docker-available.js';
