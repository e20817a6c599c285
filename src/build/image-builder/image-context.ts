// The build context of a job image: the job folder as job/, the job type's extra files, and its Dockerfile; or, for a
// job's own Dockerfile, the job folder itself less what its .dockerignore excludes. Its digest (every path, mode and
// byte, plus what else the image depends on) tags the image, so equal content reuses it.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { RtError } from '../../core/errors.js';
import type { ImageRecipe } from '../../jobtypes/index.js';

interface Entry {
  /** path inside the context, with / */
  path: string;
  source: string;
}

/** never part of an image: byte-code the server's own runs leave beside the sources, and git metadata */
const SKIPPED_NAMES = new Set(['__pycache__', '.git']);
const DOCKERIGNORE = '.dockerignore';
// a CommonJS module whose types declare an ES default export
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore')['default'];

export class ImageContext {
  /** @param dockerfilePath where the Dockerfile is in the context: the job's own, or the one stage() writes */
  private constructor(readonly dockerfile: string, private readonly entries: Entry[], readonly dockerfilePath = 'Dockerfile') {}

  static collect(jobDir: string, recipe: Pick<ImageRecipe, 'dockerfile' | 'files' | 'jobDockerfile'>): ImageContext {
    const entries: Entry[] = [];
    const own = recipe.jobDockerfile;
    if (own) {
      if (Object.keys(recipe.files).length) throw new RtError('a recipe with the job\'s own Dockerfile has no files of its own: the job folder is the whole context');
      walk(jobDir, '', entries);
      return new ImageContext(recipe.dockerfile, sorted(withoutIgnored(jobDir, entries, own.path)), own.path);
    }
    walk(jobDir, 'job', entries);
    for (const [path, source] of Object.entries(recipe.files)) walk(source, path, entries);
    return new ImageContext(recipe.dockerfile, sorted(entries));
  }

  /** sha256 (hex) of the Dockerfile, the given inputs and every file's path, mode and content */
  digest(...inputs: string[]): string {
    const hash = createHash('sha256');
    // length-prefixed, so no two different sequences of fields hash alike
    const field = (data: string | Buffer) => hash.update(`${Buffer.byteLength(data)}:`).update(data);
    field(this.dockerfile);
    for (const input of inputs) field(input);
    for (const e of this.entries) {
      const st = lstatSync(e.source);
      field(e.path);
      if (st.isSymbolicLink()) field(`link:${readlinkSync(e.source)}`);
      else {
        field(st.mode & 0o111 ? 'exec' : 'file');
        field(readFileSync(e.source));
      }
    }
    return hash.digest('hex');
  }

  /**
   * Writes the context to a new temp folder (the caller removes it) and names its top-level entries for the tar.
   * Modes are the digest's (executable or not), readable by all, whatever the server's umask: the job runs as a user
   * that owns none of its files.
   */
  stage(): { dir: string; entries: string[]; dockerfile: string } {
    const dir = mkdtempSync(join(tmpdir(), 'rt-image-'));
    const folders = new Set<string>();
    for (const e of this.entries) {
      const target = join(dir, e.path);
      for (let d = dirname(target); d.length > dir.length; d = dirname(d)) folders.add(d);
      mkdirSync(dirname(target), { recursive: true });
      if (lstatSync(e.source).isSymbolicLink()) symlinkSync(readlinkSync(e.source), target);
      else {
        copyFileSync(e.source, target);
        chmodSync(target, lstatSync(e.source).mode & 0o111 ? 0o755 : 0o644);
      }
    }
    for (const d of folders) chmodSync(d, 0o755);
    const top = new Set(this.entries.map((e) => e.path.split('/')[0]!));
    // the job's own Dockerfile is one of its files already
    if (!this.entries.some((e) => e.path === this.dockerfilePath)) {
      writeFileSync(join(dir, this.dockerfilePath), this.dockerfile);
      top.add(this.dockerfilePath);
    }
    return { dir, entries: [...top], dockerfile: this.dockerfilePath };
  }
}

function sorted(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The job folder as `docker build` would send it: less what its .dockerignore excludes (Docker's own patterns, through
 * the library the engine client uses), but always with the Dockerfile. The .dockerignore itself stays out, so the client
 * packing the staged context does not filter it a second time (and drop a Dockerfile the patterns name).
 */
function withoutIgnored(jobDir: string, entries: Entry[], dockerfilePath: string): Entry[] {
  const ignoreFile = join(jobDir, DOCKERIGNORE);
  const kept = entries.filter((e) => e.path !== DOCKERIGNORE);
  let patterns: string;
  try {
    if (!lstatSync(ignoreFile).isFile()) return kept;
    patterns = readFileSync(ignoreFile, 'utf8');
  } catch {
    return kept;
  }
  const keep = dockerignore({ ignorecase: false }).add(patterns).createFilter();
  return kept.filter((e) => e.path === dockerfilePath || keep(e.path));
}

/** files under source (or source itself when it is a file), without following symlinks */
function walk(source: string, path: string, out: Entry[]): void {
  const st = lstatSync(source);
  if (!st.isDirectory()) {
    out.push({ path, source });
    return;
  }
  for (const name of readdirSync(source)) {
    if (!SKIPPED_NAMES.has(name)) walk(join(source, name), path ? `${path}/${name}` : name, out);
  }
}
