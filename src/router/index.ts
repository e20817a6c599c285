// The router capability: route table, version resolution, the pub gateway and its async task contract.
export type { RouteVersion, Caller, CallDecision, CallAuthorizer, AsyncTask, AsyncTaskRequest, AsyncTaskResult, AsyncTaskStatus, AsyncTaskStore, HeaderPairs } from './types.js';
export { RouteTable } from './route-table.js';
export { resolveVersion, type ResolveOptions } from './resolve-version.js';
export { parseVersionSpec, type VersionSpec } from './parse-version-spec.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { GatewayMetrics } from './gateway-metrics.js';
export { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';
