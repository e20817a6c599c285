export type { ConfinedBuild, InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, InstanceStatus, StatusListener, Upstream } from './types.js';
export { TargetRegistry } from './registry.js';
export { LocalTarget } from './local/local-target.js';
export { LocalSandbox } from './local/sandbox/index.js';
export { readyProbe } from './ready-probe.js';
export { freePort } from './free-port.js';
