// The rust plugin's module: what the plugin store loads (plugin.yaml names this file).
export { rust as jobType } from './rust-job-type.js';
