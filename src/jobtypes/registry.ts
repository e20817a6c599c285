// The job types this server has: the job-type plugins of the plugin store (built-in and installed alike).
// `jobtype: NAME:VERSION` picks that plugin version, NAME or NAME:latest the highest installed.
import { BadRequestError } from '../core/errors.js';
import type { LoadedPlugin, PluginStore } from '../plugins/index.js';
import type { ArtifactKind, JobType, JobTypeDefinition } from './types.js';

export class JobTypeRegistry {
  /** one JobType object per loaded plugin, so a version keeps its identity while it is installed */
  readonly #byPlugin = new WeakMap<LoadedPlugin, JobType>();

  constructor(private readonly plugins: PluginStore) {}

  find(name: string, version = 'latest'): JobType | undefined {
    const plugin = this.plugins.find('job-type', name, version);
    return plugin && this.#of(plugin);
  }

  /** Throws the job.yaml error naming the installed job types (or the installed versions of NAME). */
  get(name: string, version = 'latest'): JobType {
    const found = this.find(name, version);
    if (found) return found;
    throw new BadRequestError(`jobtype: ${this.missing(name, version)}`);
  }

  /** jobtype_extra checked by the job type job.yaml names; a missing job type is one message naming the installed ones. */
  validateExtra(ref: { name: string; version: string }, extra: Record<string, unknown>): string[] {
    const jobType = this.find(ref.name, ref.version);
    return jobType ? jobType.validateExtra(extra) : [this.missing(ref.name, ref.version)];
  }

  private missing(name: string, version: string): string {
    const versions = this.plugins.versionsOf('job-type', name).map((p) => p.manifest.version);
    if (versions.length) return `unknown job type version ${name}:${version}; installed versions of ${name}: ${versions.join(', ')}`;
    return `unknown job type "${name}"; installed job types: ${this.names().join(', ') || 'none'}`;
  }

  names(): string[] {
    return this.plugins.names('job-type');
  }

  #of(plugin: LoadedPlugin): JobType {
    let jobType = this.#byPlugin.get(plugin);
    if (!jobType) {
      const def = plugin.module.jobType as JobTypeDefinition;
      const builds: ArtifactKind[] = [];
      if (def.buildProcess) builds.push('process');
      if (def.imageRecipe) builds.push('image');
      jobType = { ...def, name: plugin.manifest.name, version: plugin.manifest.version, builds };
      this.#byPlugin.set(plugin, jobType);
    }
    return jobType;
  }
}
