export type { ConfinedBuild, InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, InstanceStatus, StatusListener, Upstream } from './types.js';
export { TargetRegistry } from './registry.js';
export { LocalTarget } from './local/local-target.js';
export { LocalSandbox } from './local/sandbox/index.js';
export { waitReady, splitHostPort, readyProbe, type ReadyProbe } from './wait-ready.js';
export { freePort } from './free-port.js';
