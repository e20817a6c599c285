// The /lifecycle/api/v1 HTTP API (CONTRACT §7).
export { createLifecycleApi, API_PREFIX } from './lifecycle-api.js';
export type { ApiDeps } from './endpoint.js';
