export { JobsService, type JobsServiceDeps } from './jobs-service.js';
export { jobView, type JobView } from './job-view.js';
export { JobLocks, type Release } from './job-lock.js';
export { jobEnv, checkReservedEnv, RESERVED_ENV } from './job-env.js';
export { VersionLifecycle, type VersionEvent, type LifecyclePolicy } from './version-lifecycle.js';
export { routeOf } from './lifecycle-policies.js';
export { followLifecycle } from './route-follower.js';
export { CallActivity } from './call-activity.js';
export { parseIdleSetting } from './idle-setting.js';
