// The image builder shared by image targets.
export { ImageBuilder } from './image-builder.js';
export { IMAGE_REPOSITORY_PREFIX } from './build-image.js';
export { pruneImages } from './prune-images.js';
