// The docker-proxy plugin's module: what the plugin store loads (plugin.yaml names this file).
export { dockerProxy as jobType } from './docker-proxy-job-type.js';
