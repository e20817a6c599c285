// The hugo plugin's module: what the plugin store loads (plugin.yaml names this file).
export { hugo as jobType } from './hugo-job-type.js';
