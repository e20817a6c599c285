// The dockerfile plugin's module: what the plugin store loads (plugin.yaml names this file).
export { dockerfile as jobType } from './dockerfile-job-type.js';
