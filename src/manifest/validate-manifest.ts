// Turns a merged job.yaml tree into a typed Manifest, checking every field of CONTRACT §3 and reporting all problems at once.
import { BadRequestError } from '../core/errors.js';
import { describeValue } from './describe-value.js';
import { Findings } from './findings.js';
import { isJobVersion } from './is-job-version.js';
import { jobNameProblem } from './job-name-problem.js';
import { parseJobtype } from './parse-jobtype.js';
import { quote } from './quote.js';
import type { SourceOf } from './read-yaml-mapping.js';
import { JOBTYPE_EXTRA_FIELDS, resolveJobtypeExtra, type JobtypeRef } from './resolve-jobtype-extra.js';
import { TARGET_NAME } from '../core/target-name.js';
import type { Manifest, ManifestResult, ParseManifestOptions } from './types.js';
import { validateEnv } from './validate-env.js';
import { validateResources } from './validate-resources.js';

const FIELDS = [
  'name', 'owner_email', 'jobtype', 'lang', 'version', 'git', ...JOBTYPE_EXTRA_FIELDS,
  'build_env', 'runtime_env', 'secret_build_env_file', 'secret_runtime_env_file', 'labels', 'public_endpoints',
  'replicas', 'resources', 'infrastructure_target', 'system_dependencies',
];
// Fields real Racetrack manifests carry that mean nothing here: accepted so those manifests deploy unchanged.
const IGNORED_RACETRACK_FIELDS: Readonly<Record<string, string>> = {
  image_type: 'image_type is ignored: the job type decides how the image is built',
};
export const MAX_REPLICAS = 50;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

export function validateManifest(
  tree: Record<string, unknown>,
  opts: { sourceOf: SourceOf; validateJobtypeExtra?: ParseManifestOptions['validateJobtypeExtra'] },
): ManifestResult {
  const f = new Findings(opts.sourceOf);
  // YAML `key:` with no value means the same as leaving the key out.
  const given = (field: string): unknown => (Object.hasOwn(tree, field) ? tree[field] ?? undefined : undefined);

  for (const field of Object.keys(tree)) {
    if (Object.hasOwn(IGNORED_RACETRACK_FIELDS, field)) f.warn(IGNORED_RACETRACK_FIELDS[field]!);
    else if (!FIELDS.includes(field)) f.error([field], 'unknown field');
  }

  const name = checkName(f, given('name'));
  const ownerEmail = optional(given('owner_email'), (v) => checkEmail(f, v));
  const jobtype = checkJobtype(f, given('jobtype'), given('lang'));
  const version = optional(given('version'), (v) => checkVersion(f, v)) ?? '0.0.1';
  const git = optional(given('git'), (v) => checkGit(f, v));
  const jobtypeExtra = resolveJobtypeExtra(f, tree, jobtype.ref, opts.validateJobtypeExtra);
  const buildEnv = optional(given('build_env'), (v) => validateEnv(f, 'build_env', v)) ?? {};
  const runtimeEnv = optional(given('runtime_env'), (v) => validateEnv(f, 'runtime_env', v)) ?? {};
  const secretFiles = checkSecretFiles(f, given, name);
  const labels = optional(given('labels'), (v) => checkLabels(f, v)) ?? {};
  const publicEndpoints = optional(given('public_endpoints'), (v) => checkPublicEndpoints(f, v)) ?? [];
  const replicas = optional(given('replicas'), (v) => checkReplicas(f, v)) ?? 1;
  const resources = optional(given('resources'), (v) => validateResources(f, v)) ?? {};
  const target = optional(given('infrastructure_target'), (v) => checkTarget(f, v));
  const systemDependencies = optional(given('system_dependencies'), (v) => checkSystemDependencies(f, v)) ?? [];

  if (f.errors.length > 0 || name === undefined || jobtype.text === undefined) {
    return { ok: false, errors: f.errors, warnings: f.warnings };
  }
  const manifest: Manifest = {
    name,
    ...(ownerEmail !== undefined && { owner_email: ownerEmail }),
    jobtype: jobtype.text,
    version,
    ...(git !== undefined && { git }),
    jobtype_extra: jobtypeExtra,
    build_env: buildEnv,
    runtime_env: runtimeEnv,
    ...secretFiles,
    labels,
    public_endpoints: publicEndpoints,
    replicas,
    resources,
    ...(target !== undefined && { infrastructure_target: target }),
    system_dependencies: systemDependencies,
  };
  return { ok: true, manifest, warnings: f.warnings };
}

function optional<T>(value: unknown, check: (value: unknown) => T | undefined): T | undefined {
  return value === undefined ? undefined : check(value);
}

function checkName(f: Findings, value: unknown): string | undefined {
  if (value === undefined) {
    f.error(['name'], 'is required');
    return undefined;
  }
  const name = f.string(['name'], value);
  if (name === undefined) return undefined;
  const problem = jobNameProblem(name);
  if (!problem) return name;
  f.error(['name'], `${quote(name)} ${problem}`);
  return undefined;
}

function checkEmail(f: Findings, value: unknown): string | undefined {
  const email = f.string(['owner_email'], value);
  if (email === undefined || EMAIL.test(email)) return email;
  f.error(['owner_email'], `${quote(email)} is not an email address`);
  return undefined;
}

function checkJobtype(f: Findings, jobtype: unknown, lang: unknown): { text?: string; ref: JobtypeRef } {
  if (jobtype !== undefined && lang !== undefined) {
    f.error(['lang'], 'give jobtype or lang, not both (lang is deprecated, use jobtype)');
    return { ref: { field: 'jobtype', name: undefined } };
  }
  if (jobtype === undefined && lang === undefined) {
    f.error(['jobtype'], 'is required, e.g. jobtype: python3:latest');
    return { ref: { field: 'jobtype', name: undefined } };
  }
  const field = jobtype === undefined ? 'lang' : 'jobtype';
  if (field === 'lang') f.warn('lang is deprecated, use jobtype');
  const text = f.string([field], jobtype ?? lang);
  if (text === undefined) return { ref: { field, name: undefined } };
  try {
    const { name, version } = parseJobtype(text);
    return { text, ref: { field, name, version } };
  } catch (e) {
    if (!(e instanceof BadRequestError)) throw e;
    f.error([field], e.message);
    return { ref: { field, name: undefined } };
  }
}

function checkVersion(f: Findings, value: unknown): string | undefined {
  if (typeof value === 'object') {
    f.error(['version'], `must be a semantic version x.y.z, not ${describeValue(value)}`);
    return undefined;
  }
  // `version: 1.0` arrives as the number 1, so the message quotes the source text the user wrote.
  const text = typeof value === 'string' ? value : f.textOf(['version'], value);
  if (typeof value === 'string' && isJobVersion(text)) return text;
  f.error(['version'], `${quote(text)} is not a semantic version x.y.z`);
  return undefined;
}

function checkGit(f: Findings, value: unknown): Manifest['git'] {
  const map = f.mapping(['git'], value);
  if (!map) return undefined;
  f.onlyKeys(['git'], map, ['remote', 'branch', 'directory']);
  const git: NonNullable<Manifest['git']> = {};
  for (const key of ['remote', 'branch', 'directory'] as const) {
    const text = optional(map[key] ?? undefined, (v) => f.string(['git', key], v));
    if (text !== undefined) git[key] = text;
  }
  return git;
}

function checkSecretFiles(f: Findings, given: (field: string) => unknown, name: string | undefined): Partial<Manifest> {
  const files: Partial<Manifest> = {};
  for (const [field, flag] of [['secret_build_env_file', ' --build'], ['secret_runtime_env_file', '']] as const) {
    const file = optional(given(field), (v) => f.string([field], v));
    if (file === undefined) continue;
    files[field] = file;
    f.warn(`${field}: ${file} is not read here; secrets are set on the server: ssh rt secrets set ${name ?? 'NAME'} KEY=VALUE${flag}`);
  }
  return files;
}

function checkLabels(f: Findings, value: unknown): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [key, item] of Object.entries(f.mapping(['labels'], value) ?? {})) {
    if (item === null) entries.push([key, '']);
    else if (typeof item === 'string') entries.push([key, item]);
    else if (typeof item === 'number' || typeof item === 'boolean') entries.push([key, f.textOf(['labels', key], item)]);
    else f.error(['labels', key], `must be a single value (text, number or boolean), not ${describeValue(item)}`);
  }
  return Object.fromEntries(entries);
}

function checkPublicEndpoints(f: Findings, value: unknown): string[] {
  const endpoints: string[] = [];
  (f.list(['public_endpoints'], value) ?? []).forEach((item, i) => {
    const endpoint = f.string(['public_endpoints', i], item);
    if (endpoint === undefined) return;
    if (endpoint.startsWith('/')) endpoints.push(endpoint);
    else f.error(['public_endpoints', i], `${quote(endpoint)} must be a path starting with "/", e.g. /api/v1/perform`);
  });
  return endpoints;
}

function checkReplicas(f: Findings, value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_REPLICAS) return value;
  const shown = typeof value === 'number' ? f.textOf(['replicas'], value) : describeValue(value);
  f.error(['replicas'], `must be a whole number from 1 to ${MAX_REPLICAS}, not ${shown}`);
  return undefined;
}

function checkTarget(f: Findings, value: unknown): string | undefined {
  const text = f.string(['infrastructure_target'], value);
  if (text === undefined) return undefined;
  if (TARGET_NAME.test(text)) return text;
  f.error(['infrastructure_target'], `${quote(text)} is not a target name (such as local, docker, kubernetes)`);
  return undefined;
}

function checkSystemDependencies(f: Findings, value: unknown): string[] {
  const packages: string[] = [];
  (f.list(['system_dependencies'], value) ?? []).forEach((item, i) => {
    const pkg = f.string(['system_dependencies', i], item);
    if (pkg === undefined) return;
    if (DEBIAN_PACKAGE.test(pkg)) packages.push(pkg);
    else f.error(['system_dependencies', i], `${quote(pkg)} is not a Debian package name (lower-case letters, digits, + . -)`);
  });
  return packages;
}
