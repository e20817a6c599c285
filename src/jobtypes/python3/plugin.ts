// The python3 plugin's module: what the plugin store loads (plugin.yaml names this file).
export { python3 as jobType } from './python3-job-type.js';
