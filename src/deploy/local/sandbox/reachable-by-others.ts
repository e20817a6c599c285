// Whether a process of another uid can reach a path by name: every folder on the way lets others pass (o+x).
// Only paths it cannot reach need root to stage them for a sandbox; the rest bwrap binds itself.
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function reachableByOthers(path: string): boolean {
  let dir: string;
  try {
    dir = dirname(realpathSync(path));
  } catch {
    return false;
  }
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === '/') return true;
    dir = dirname(dir);
  }
}
