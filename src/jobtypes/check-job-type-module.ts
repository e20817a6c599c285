// The shape a job-type plugin's module must have (docs/plugins.md), checked when the plugin is loaded.
import type { JobTypeDefinition } from './types.js';

/** The problems with a module's `jobType` export; none when it fits. */
export function checkJobTypeModule(module: Record<string, unknown>): string[] {
  const def = module.jobType as Partial<Record<keyof JobTypeDefinition, unknown>> | undefined;
  if (typeof def !== 'object' || def === null) return ['it must export `jobType`, an object'];
  const problems: string[] = [];
  if (typeof def.validateExtra !== 'function') problems.push('jobType.validateExtra must be a function');
  for (const key of ['buildProcess', 'imageRecipe', 'proxy'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'function') problems.push(`jobType.${key} must be a function when given`);
  }
  if (def.buildProcess === undefined && def.imageRecipe === undefined) problems.push('jobType needs buildProcess, imageRecipe or both');
  if (def.reservedEnv !== undefined && !(Array.isArray(def.reservedEnv) && def.reservedEnv.every((v) => typeof v === 'string'))) {
    problems.push('jobType.reservedEnv must be a list of strings');
  }
  return problems;
}
