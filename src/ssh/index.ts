export { createSshServer, type SshDeps } from './ssh-server.js';
export { dispatch, helpText, COMMANDS } from './dispatch.js';
export type { SshCommand, CommandContext } from './types.js';
