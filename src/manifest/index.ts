// The manifest capability: parse, merge and validate job.yaml; find it in a commit; the job-name and quantity rules.
export type { Manifest, ManifestResult, ParseManifestOptions } from './types.js';
export { MAX_MANIFEST_BYTES } from './read-yaml-mapping.js';
export { parseManifest } from './parse-manifest.js';
export { loadManifest } from './load-manifest.js';
export { findManifest } from './find-manifest.js';
export { parseJobtype } from './parse-jobtype.js';
export { parseJobName } from './parse-job-name.js';
export { isValidJobName } from './is-valid-job-name.js';
export { resourceName } from './resource-name.js';
export { parseMemoryQuantity } from './parse-memory-quantity.js';
export { parseCpuQuantity } from './parse-cpu-quantity.js';
export { isJobVersion } from './is-job-version.js';
export { MAX_REPLICAS } from './validate-manifest.js';
