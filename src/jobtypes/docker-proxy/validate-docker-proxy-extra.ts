// jobtype_extra of the docker-proxy job type (Racetrack's names), checked before anything is built.
import { dockerfilePathProblems } from '../dockerfile/dockerfile-path.js';

const KEYS = ['dockerfile_path', 'user_module_port', 'proxy_mode'];
const MODES = ['forward', 'rewrite'];

export function validateDockerProxyExtra(extra: Record<string, unknown>): string[] {
  const errors = Object.keys(extra).filter((k) => !KEYS.includes(k)).map((k) => `${k}: unknown field of the docker-proxy job type (known: ${KEYS.join(', ')})`);
  errors.push(...dockerfilePathProblems(extra.dockerfile_path));
  const port = extra.user_module_port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    errors.push('user_module_port: must be a TCP port, a whole number from 1 to 65535');
  }
  const mode = extra.proxy_mode;
  if (mode !== undefined && !(typeof mode === 'string' && MODES.includes(mode))) {
    errors.push(`proxy_mode: must be ${MODES.map((m) => `"${m}"`).join(' or ')}`);
  }
  return errors;
}
