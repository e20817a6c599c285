// The hugo binary local builds run (the setting RACETRACK_HUGO, default `hugo` on PATH), and the host folder a
// sandbox must show it read-only when it lives outside /usr.
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { RtError } from '../../core/errors.js';

export interface ResolvedHugo {
  executable: string;
  readOnlyPaths: string[];
}

export function resolveHugo(configured: string | undefined): ResolvedHugo {
  const name = configured ?? 'hugo';
  const candidates = isAbsolute(name) ? [name] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      const executable = realpathSync(candidate);
      return { executable, readOnlyPaths: executable.startsWith('/usr/') ? [] : [dirname(executable)] };
    } catch {
      // not this one
    }
  }
  throw new RtError(`RACETRACK_HUGO: ${name} is not installed on this server`, {
    details: ['install Hugo (Debian: apt-get install hugo), or set RACETRACK_HUGO to the hugo binary'],
  });
}
