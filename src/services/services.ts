// The services every face (ssh commands, HTTP API, CLI, dashboard) calls; wired once in start-server.ts.
import type { AccessService, AuthService } from '../auth/index.js';
import type { AuditLog } from '../audit/index.js';
import type { DeploysService } from '../build/index.js';
import type { UserStore } from '../db/index.js';
import type { JobsService } from '../jobs/index.js';
import type { PluginsService } from '../plugins/index.js';
import type { SecretsService } from '../secrets/index.js';
import type { Settings } from '../config/index.js';

export interface Services {
  settings: Settings;
  auth: AuthService;
  access: AccessService;
  users: UserStore;
  jobs: JobsService;
  deploys: DeploysService;
  secrets: SecretsService;
  audit: AuditLog;
  plugins: PluginsService;
  /** base of printed URLs (RACETRACK_PUBLIC_URL or http://BIND:PORT) */
  publicUrl: () => string;
}
