// plugin.yaml: what a plugin is (CONTRACT §11), parsed and checked before anything of the plugin is loaded.
import { readYamlMapping } from '../manifest/read-yaml-mapping.js';
import { isJobVersion } from '../manifest/index.js';

export const PLUGIN_MANIFEST = 'plugin.yaml';
export const PLUGIN_CATEGORIES = ['job-type', 'infrastructure'] as const;
export type PluginCategory = (typeof PLUGIN_CATEGORIES)[number];

export interface PluginManifest {
  /** the job type's (or target's) name: `jobtype: NAME:VERSION` */
  name: string;
  version: string;
  category: PluginCategory;
  description: string;
  url?: string;
  /** the ESM module the server imports, relative to the plugin's folder */
  module: string;
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const FIELDS = new Set(['name', 'version', 'category', 'description', 'url', 'module']);

/** The manifest, or the problems with it, each naming its field. */
export function parsePluginManifest(text: string): { manifest?: PluginManifest; errors: string[] } {
  const read = readYamlMapping(text);
  if (!read.value) return { errors: read.errors.map((e) => `${PLUGIN_MANIFEST}: ${e.field ? `${e.field}: ` : ''}${e.message}`) };
  const v = read.value;
  const errors: string[] = [];
  const str = (field: string, required: boolean): string | undefined => {
    const value = v[field];
    if (value === undefined || value === null) {
      if (required) errors.push(`${field}: is required`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push(`${field}: must be a non-empty string`);
      return undefined;
    }
    return value;
  };
  for (const key of Object.keys(v)) if (!FIELDS.has(key)) errors.push(`${key}: unknown field (known: ${[...FIELDS].join(', ')})`);
  const name = str('name', true);
  if (name !== undefined && !NAME.test(name)) errors.push(`name: "${name}" must be 1-63 of a-z 0-9 _ . - starting with a letter or digit`);
  const version = str('version', true);
  if (version !== undefined && !isJobVersion(version)) errors.push(`version: "${version}" is not a semantic version x.y.z`);
  const category = str('category', true);
  if (category !== undefined && !(PLUGIN_CATEGORIES as readonly string[]).includes(category)) {
    errors.push(`category: "${category}" is not one of ${PLUGIN_CATEGORIES.join(', ')}`);
  }
  const description = str('description', true);
  const url = str('url', false);
  const module = str('module', false) ?? 'plugin.js';
  if (module.startsWith('/') || module.split('/').includes('..')) errors.push(`module: "${module}" must be a path inside the plugin`);
  if (errors.length) return { errors };
  return { manifest: { name: name!, version: version!, category: category as PluginCategory, description: description!, url, module }, errors };
}
