// The plugins this server has: the built-in ones shipped in the repo and those installed into DATA_DIR/plugins,
// loaded alike. Each is checked when loaded (its plugin.yaml, then its module against its category's contract);
// one that does not fit is skipped with the reason, and the server starts anyway. Install and remove work
// while the server runs; versions of a plugin live side by side.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { parsePluginManifest, PLUGIN_MANIFEST, type PluginCategory, type PluginManifest } from './plugin-manifest.js';
import { unpackPluginZip } from './unpack-plugin-zip.js';

const log = logger('rt:plugins');

/** Checks a plugin's loaded module against its category's contract; returns the problems (none: it fits). */
export type PluginCheck = (module: Record<string, unknown>, manifest: PluginManifest) => string[];

export interface LoadedPlugin {
  manifest: PluginManifest;
  dir: string;
  builtIn: boolean;
  module: Record<string, unknown>;
}

export interface SkippedPlugin {
  dir: string;
  builtIn: boolean;
  name?: string;
  version?: string;
  reason: string;
}

export interface PluginStoreOptions {
  /** folders each holding plugin folders (the repo's built-in job types) */
  builtInRoots: string[];
  /**
   * DATA_DIR/plugins: each installed plugin lives in NAME/VERSION~ID below it. The install's own ID keeps a
   * reinstalled NAME@VERSION from being served the module Node cached for an earlier copy (ESM caches by URL).
   */
  installRoot: string;
  checks: Record<PluginCategory, PluginCheck>;
}

export class PluginStore {
  #loaded: LoadedPlugin[] = [];
  #skipped: SkippedPlugin[] = [];
  #listeners: (() => void)[] = [];

  constructor(private readonly o: PluginStoreOptions) {}

  /** Scans and loads every plugin; a broken one is skipped with its reason. */
  async loadAll(): Promise<void> {
    mkdirSync(this.o.installRoot, { recursive: true, mode: 0o700 });
    const found: { dir: string; builtIn: boolean }[] = [];
    for (const root of this.o.builtInRoots) for (const name of subfolders(root)) found.push({ dir: join(root, name), builtIn: true });
    // an install cut short by a stop leaves its staging folder behind
    for (const name of subfolders(this.o.installRoot).filter((n) => n.startsWith('.staging-'))) rmSync(join(this.o.installRoot, name), { recursive: true, force: true });
    for (const name of subfolders(this.o.installRoot).filter((n) => !n.startsWith('.'))) {
      for (const version of subfolders(join(this.o.installRoot, name))) found.push({ dir: join(this.o.installRoot, name, version), builtIn: false });
    }
    this.#loaded = [];
    this.#skipped = [];
    for (const f of found) {
      if (!existsSync(join(f.dir, PLUGIN_MANIFEST))) continue;
      const result = await this.#load(f.dir, f.builtIn);
      if ('reason' in result) {
        log.warn({ dir: f.dir, reason: result.reason }, 'plugin skipped');
        this.#skipped.push(result);
      } else if (this.find(result.manifest.category, result.manifest.name, result.manifest.version)) {
        this.#skipped.push({ dir: f.dir, builtIn: f.builtIn, name: result.manifest.name, version: result.manifest.version, reason: 'another plugin has this name and version' });
      } else {
        this.#loaded.push(result);
      }
    }
    this.#changed();
  }

  list(): { loaded: readonly LoadedPlugin[]; skipped: readonly SkippedPlugin[] } {
    return { loaded: this.#loaded, skipped: this.#skipped };
  }

  /** NAME at VERSION, or its highest version for `latest`. */
  find(category: PluginCategory, name: string, version = 'latest'): LoadedPlugin | undefined {
    const all = this.versionsOf(category, name);
    return version === 'latest' ? all[0] : all.find((p) => p.manifest.version === version);
  }

  /** NAME's versions, highest first. */
  versionsOf(category: PluginCategory, name: string): LoadedPlugin[] {
    return this.#loaded
      .filter((p) => p.manifest.category === category && p.manifest.name === name)
      .sort((a, b) => semver.rcompare(a.manifest.version, b.manifest.version));
  }

  names(category: PluginCategory): string[] {
    return [...new Set(this.#loaded.filter((p) => p.manifest.category === category).map((p) => p.manifest.name))].sort();
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Installs a plugin from a zip: unpacked and checked in a staging folder, then moved into place in one
   * rename, so a refused plugin leaves nothing behind.
   */
  async install(zip: Buffer): Promise<LoadedPlugin> {
    mkdirSync(this.o.installRoot, { recursive: true, mode: 0o700 });
    const staging = await mkdtemp(join(this.o.installRoot, '.staging-'));
    let dir: string | undefined;
    try {
      await unpackPluginZip(zip, staging);
      const { manifest, errors } = parsePluginManifest(readFileSync(join(staging, PLUGIN_MANIFEST), 'utf8'));
      if (!manifest) throw new BadRequestError(`plugin refused: ${PLUGIN_MANIFEST}: ${errors.join('; ')}`);
      const { name, version, category } = manifest;
      if (this.find(category, name, version)) {
        throw new ConflictError(`plugin ${name}@${version} is already installed`, ['bump its version in plugin.yaml, or remove the installed one first']);
      }
      // imported from where it stays, so its own relative imports keep working
      dir = join(this.o.installRoot, name, `${version}~${randomBytes(6).toString('hex')}`);
      mkdirSync(join(this.o.installRoot, name), { recursive: true, mode: 0o700 });
      // a job type may show its own files (a wrapper) to jobs read-only; a plugin holds no secret
      chmodSync(staging, 0o755);
      renameSync(staging, dir);
      const loaded = await this.#load(dir, false);
      if ('reason' in loaded) throw new BadRequestError(`plugin refused: ${loaded.reason}`);
      this.#loaded.push(loaded);
      // a copy of this version skipped at start (it did not load) is replaced by this one
      for (const s of this.#skipped.filter((s) => !s.builtIn && s.name === name && s.version === version)) rmSync(s.dir, { recursive: true, force: true });
      this.#skipped = this.#skipped.filter((s) => s.builtIn || s.name !== name || s.version !== version);
      dir = undefined;
      this.#changed();
      return loaded;
    } finally {
      rmSync(staging, { recursive: true, force: true });
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
        removeIfEmpty(dirname(dir));
      }
    }
  }

  /**
   * Removes NAME@VERSION, or every installed version of NAME, skipped copies included; refused for built-in plugins
   * and for versions `inUse` says a deployed job version was built with.
   */
  remove(name: string, version: string | undefined, inUse: (p: LoadedPlugin) => string | undefined): { name: string; version: string }[] {
    const wanted = (n: string | undefined, v: string | undefined) => n === name && (version === undefined || v === version);
    const all = this.#loaded.filter((p) => wanted(p.manifest.name, p.manifest.version));
    // NAME alone means its installed versions: a built-in one beside them stays
    const matching = version === undefined && all.some((p) => !p.builtIn) ? all.filter((p) => !p.builtIn) : all;
    const skipped = this.#skipped.filter((s) => !s.builtIn && wanted(s.name, s.version));
    if (matching.length + skipped.length === 0) throw new NotFoundError(`no plugin ${version ? `${name}@${version}` : name} is installed`);
    for (const p of matching) {
      if (p.builtIn) throw new BadRequestError(`plugin ${p.manifest.name}@${p.manifest.version} is built in and cannot be removed`);
      const user = inUse(p);
      if (user) throw new ConflictError(`plugin ${p.manifest.name}@${p.manifest.version} is in use by ${user}`, ['delete or redeploy the job versions built with it first']);
    }
    for (const { dir } of [...matching, ...skipped]) {
      rmSync(dir, { recursive: true, force: true });
      removeIfEmpty(dirname(dir));
    }
    this.#loaded = this.#loaded.filter((p) => !matching.includes(p));
    this.#skipped = this.#skipped.filter((s) => !skipped.includes(s));
    this.#changed();
    return [...matching.map((p) => p.manifest), ...skipped.map((s) => ({ name, version: s.version ?? '?' }))]
      .map(({ name: n, version: v }) => ({ name: n, version: v }));
  }

  async #load(dir: string, builtIn: boolean): Promise<LoadedPlugin | SkippedPlugin> {
    let text: string;
    try {
      text = readFileSync(join(dir, PLUGIN_MANIFEST), 'utf8');
    } catch (e) {
      return { dir, builtIn, reason: `${PLUGIN_MANIFEST}: ${(e as Error).message}` };
    }
    const { manifest, errors } = parsePluginManifest(text);
    if (!manifest) return { dir, builtIn, reason: `${PLUGIN_MANIFEST}: ${errors.join('; ')}` };
    const skip = (reason: string): SkippedPlugin => ({ dir, builtIn, name: manifest.name, version: manifest.version, reason });
    const modulePath = join(dir, manifest.module);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    } catch (e) {
      // a .js file outside a "type": "module" package is loaded as CommonJS, and an ES module then fails obscurely
      const hint = manifest.module.endsWith('.js') && !declaresModules(dir) ? ' (a plugin module is an ES module: name it .mjs, or put a package.json with "type": "module" beside it)' : '';
      return skip(`module ${manifest.module} does not load: ${(e as Error).message.split('\n')[0]}${hint}`);
    }
    const problems = this.o.checks[manifest.category](module, manifest);
    if (problems.length) return skip(`module ${manifest.module} does not fit a ${manifest.category} plugin: ${problems.join('; ')}`);
    return { manifest, dir, builtIn, module };
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

/** Whether the plugin's own package.json makes its .js files ES modules. */
function declaresModules(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module';
  } catch {
    return false;
  }
}

function removeIfEmpty(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
