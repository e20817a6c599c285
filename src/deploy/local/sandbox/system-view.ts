// The host's system paths a sandboxed process may see, read-only: programs and libraries under /usr, and the few
// files under /etc that name resolution, TLS and the dynamic loader read. Nothing else of /etc (no keys, no configs).
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import type { SandboxHost } from './sandbox-argv.js';

/** top-level folders that merged-/usr systems make symlinks into /usr */
const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const ETC = [
  'resolv.conf', 'hosts', 'host.conf', 'nsswitch.conf', 'gai.conf', 'services', 'protocols', 'mime.types',
  'localtime', 'ssl', 'ca-certificates', 'alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d',
].map((f) => `/etc/${f}`);

export function systemView(): Pick<SandboxHost, 'systemPaths' | 'systemLinks'> {
  const systemPaths = ['/usr'];
  const systemLinks: SandboxHost['systemLinks'] = [];
  for (const path of TOP_LEVEL) {
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink()) systemLinks.push({ path, target: readlinkSync(path) });
    else systemPaths.push(path);
  }
  systemPaths.push(...ETC.filter((p) => existsSync(p)));
  return { systemPaths, systemLinks };
}
