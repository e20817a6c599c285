export { createDashboard } from './dashboard-app.js';
export type { DashboardDeps } from './context.js';
export { Sessions, SESSION_PREFIX } from './sessions.js';
export { withSessions } from './session-authorizer.js';
export { CallHistory } from './call-history.js';
