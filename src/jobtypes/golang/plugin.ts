// The golang plugin's module: what the plugin store loads (plugin.yaml names this file).
export { golang as jobType } from './golang-job-type.js';
