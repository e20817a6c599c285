export { openDatabase, type Db } from './open-database.js';
export { userStore, type UserStore } from './user-store.js';
export { tokenStore, type TokenStore } from './token-store.js';
export { jobStore, type JobStore, type NewJobVersion } from './job-store.js';
export { deploymentStore, type DeploymentStore } from './deployment-store.js';
export type * from './types.js';
export { escStore, type EscStore } from './esc-store.js';
export { secretStore, type SecretStore, type SecretRow } from './secret-store.js';
export { auditStore, type AuditStore, type AuditEvent } from './audit-store.js';
