export { AuthService, subjectRef, type Subject } from './auth-service.js';
export { bootstrapAdmin, ADMIN_EMAIL } from './bootstrap-admin.js';
export { parsePublicKey, fingerprintOf, type PublicKey } from './parse-public-key.js';
export { SCOPES, NEW_USER_SCOPES, parseScope, parseSubjectRef, type Scope, type SubjectKind } from './scopes.js';
export { generateToken, hashToken } from './token.js';
export { AccessService, parseEmail } from './access-service.js';
export { AuthThrottle } from './auth-throttle.js';
