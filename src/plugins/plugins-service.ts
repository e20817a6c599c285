// The plugins as every face shows and changes them (ssh `plugins …`, API `/plugin`, CLI `racetrack plugin …`):
// anyone signed in lists them; only an admin installs and removes, and each attempt is audited. Installs and
// removals run one at a time, so two of them never race for the same NAME@VERSION.
import { basename } from 'node:path';
import semver from 'semver';
import type { AuthService, Subject } from '../auth/index.js';
import type { AuditLog } from '../audit/index.js';
import { BadRequestError, RtError } from '../core/errors.js';
import type { LoadedPlugin, PluginStore } from './plugin-store.js';

/** The largest plugin zip accepted over ssh and HTTP (what it unpacks to has its own bound). */
export const MAX_PLUGIN_ZIP_BYTES = 16 * 1024 * 1024;

export interface PluginView {
  name: string;
  version: string;
  category: string;
  description: string;
  url: string | null;
  source: 'built-in' | 'installed';
  /** loaded, or skipped at load (then `error` says why) */
  status: 'loaded' | 'skipped';
  error: string | null;
  /** how many deployed job versions were built with this plugin version, and which ones (`NAME vVERSION`) */
  in_use: number;
  used_by: string[];
}

/** What a deployed version remembers of its build: the job-type plugin and its version (from its artifact). */
export interface DeployedVersion {
  name: string;
  version: string;
  artifact: Record<string, unknown>;
}

export interface PluginsServiceDeps {
  store: PluginStore;
  auth: AuthService;
  audit: AuditLog;
  deployedVersions: () => DeployedVersion[];
}

export class PluginsService {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: PluginsServiceDeps) {}

  /** Every plugin, loaded ones first by name and version, then the skipped ones with their reason. */
  list(): PluginView[] {
    const { loaded, skipped } = this.d.store.list();
    const deployed = this.d.deployedVersions(); // once for the whole list: one query, however many plugins
    const loadedViews = [...loaded]
      .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name) || semver.compare(a.manifest.version, b.manifest.version))
      .map((p) => this.#view(p, deployed));
    const skippedViews = skipped.map((s): PluginView => ({
      name: s.name ?? basename(s.dir), version: s.version ?? '-', category: '-', description: '', url: null,
      source: s.builtIn ? 'built-in' : 'installed', status: 'skipped', error: s.reason, in_use: 0, used_by: [],
    }));
    return [...loadedViews, ...skippedViews];
  }

  /**
   * Installs a plugin zip (admin); nothing stays of a refused one. `readZip` (the upload, bounded by the face) is
   * called only once the actor is known to be an admin.
   */
  async install(actor: Subject, readZip: () => Promise<Buffer>): Promise<PluginView> {
    this.#requireAdmin(actor, 'plugin.install');
    let zip: Buffer;
    try {
      zip = await readZip();
      if (zip.length === 0) throw new BadRequestError('plugin: the zip is empty');
    } catch (e) {
      throw this.#refused(actor, 'plugin.install', e);
    }
    return this.#serial(async () => {
      try {
        const plugin = await this.d.store.install(zip);
        const id = `${plugin.manifest.name}@${plugin.manifest.version}`;
        this.d.audit.record(actor, 'plugin.install', { detail: `${id} (${plugin.manifest.category})` });
        return this.#view(plugin);
      } catch (e) {
        throw this.#refused(actor, 'plugin.install', e);
      }
    });
  }

  /** Removes NAME@VERSION, or every installed version of NAME (admin); refused while a deployed version uses it. */
  remove(actor: Subject, name: string, version?: string): Promise<{ name: string; version: string }[]> {
    const what = version ? `${name}@${version}` : name;
    return this.#serial(async () => {
      this.#requireAdmin(actor, 'plugin.remove', what);
      try {
        const removed = this.d.store.remove(name, version, (p) => {
          const users = this.#usersOf(p);
          return users.length ? users.join(', ') : undefined;
        });
        this.d.audit.record(actor, 'plugin.remove', { detail: removed.map((r) => `${r.name}@${r.version}`).join(' ') });
        return removed;
      } catch (e) {
        throw this.#refused(actor, 'plugin.remove', e, what);
      }
    });
  }

  #view(p: LoadedPlugin, deployed?: DeployedVersion[]): PluginView {
    const users = this.#usersOf(p, deployed);
    const m = p.manifest;
    return {
      name: m.name, version: m.version, category: m.category, description: m.description, url: m.url ?? null,
      source: p.builtIn ? 'built-in' : 'installed', status: 'loaded', error: null, in_use: users.length, used_by: users,
    };
  }

  /** `NAME vVERSION` of each deployed job version built with this job-type plugin version. */
  #usersOf(p: LoadedPlugin, deployed?: DeployedVersion[]): string[] {
    if (p.manifest.category !== 'job-type') return [];
    return (deployed ?? this.d.deployedVersions())
      .filter((v) => v.artifact.jobType === p.manifest.name && v.artifact.jobTypeVersion === p.manifest.version)
      .map((v) => `${v.name} v${v.version}`);
  }

  #requireAdmin(actor: Subject, action: string, what?: string): void {
    try {
      this.d.auth.requireAdmin(actor);
    } catch (e) {
      throw this.#refused(actor, action, e, what);
    }
  }

  /** Audits a refused attempt and hands back the error to throw. */
  #refused(actor: Subject, action: string, e: unknown, what?: string): unknown {
    const reason = e instanceof RtError ? e.message : 'internal error';
    this.d.audit.record(actor, action, { ok: false, detail: `refused${what ? ` ${what}` : ''}: ${reason}` });
    return e;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
