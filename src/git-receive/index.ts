export type { Push, PushHandler, RefUpdate } from './types.js';
export { Repos, type RepoLease } from './repos.js';
export { PushRegistry } from './push-registry.js';
export { startHookServer } from './hook-server.js';
export { handleSmartHttp, type SmartHttpDeps } from './smart-http.js';
export { spawnGitService, type GitService } from './git-service.js';
export { authorizeGit } from './authorize-git.js';
export { openGitSession, type GitSessionDeps } from './git-session.js';
export { gitProtocol, speaksV2 } from './git-protocol.js';
