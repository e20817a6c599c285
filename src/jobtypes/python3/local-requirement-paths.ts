// Files inside the job folder that a requirements file installs from (`./wheels/x.whl`, `../libs/pkg`),
// so an image build can copy them beside the requirements before the rest of the job.
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize, relative, sep } from 'node:path';

/** Paths relative to jobDir; entries that would leave the job folder are left out (pip will then say what is missing). */
export function localRequirementPaths(jobDir: string, requirementsPath: string): string[] {
  const file = join(jobDir, requirementsPath);
  if (!existsSync(file)) return [];
  const found = new Set<string>();
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const ref = line.startsWith('file:') ? line.slice(5).replace(/^\/\//, '') : line;
    if (!/^\.\.?\//.test(ref)) continue;
    // pip resolves these against its working directory, which is the job folder in our builds
    const target = normalize(join(jobDir, ref.split(/[\s;[]/)[0]!));
    const rel = relative(jobDir, target);
    if (rel && !rel.startsWith('..') && !rel.startsWith(sep)) found.add(rel.split(sep).join('/'));
  }
  found.delete(requirementsPath);
  return [...found].sort();
}
