export { LocalSandbox, type SandboxLease, type SandboxedProcess } from './local-sandbox.js';
export { LISTEN_FD } from './sandbox-argv.js';
export type { UidRange } from './uid-pool.js';
