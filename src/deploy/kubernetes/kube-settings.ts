// The kubernetes target's settings (CONTRACT §12), read through the server's settings lookup (env, then racetrack.yaml).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../../core/errors.js';

/**
 * How the gateway reaches a job's pods: `service`, the version's ClusterIP Service by its DNS name (Racetrack runs in
 * the cluster); `pods`, a loopback relay per replica to the ready pods' IPs (Racetrack runs where the pod network is
 * routed but cluster DNS is not: a node, a development machine beside kind, the test stand-in).
 */
export type ReachMode = 'service' | 'pods';

export interface KubernetesSettings {
  kubeconfig: KubeConfig;
  /** where the kubeconfig came from, for the log */
  source: string;
  namespace: string;
  /** host[:port][/path] images are pushed to and pulled from */
  imageRegistry: string;
  /** the registry's login for the push, when it wants one (never logged) */
  registryAuth?: RegistryAuth;
  pullSecret?: string;
  reach: ReachMode;
  /** the gateway's /pub as pods reach it (PUB_URL in their env), when not the server's own loopback URL */
  pubUrl?: string;
}

/** a user and password, as a registry's `docker login` takes them */
export interface RegistryAuth {
  username: string;
  password: string;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The settings, or why the target cannot be offered: no image registry set, or no cluster configured (no
 * RACETRACK_K8S_KUBECONFIG, not in a cluster, no ~/.kube/config). A setting with a bad value is a usage error.
 */
export function kubernetesSettings(lookup: (env: string) => string | undefined, env: NodeJS.ProcessEnv = process.env): KubernetesSettings | { unavailable: string } {
  const imageRegistry = lookup('RACETRACK_IMAGE_REGISTRY')?.replace(/\/+$/, '');
  if (!imageRegistry) return { unavailable: 'RACETRACK_IMAGE_REGISTRY is not set (where the cluster pulls job images from)' };
  if (!/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(imageRegistry)) throw new UsageError(`RACETRACK_IMAGE_REGISTRY: "${imageRegistry}" is not host[:port][/path]`);
  const registryAuth = registryLogin(lookup);
  const namespace = lookup('RACETRACK_K8S_NAMESPACE') ?? 'racetrack';
  if (!NAMESPACE.test(namespace) || namespace.length > 63) throw new UsageError(`RACETRACK_K8S_NAMESPACE: "${namespace}" is not a namespace name (lower-case letters, digits, '-')`);
  const pullSecret = lookup('RACETRACK_K8S_PULL_SECRET');
  const pubUrl = lookup('RACETRACK_K8S_PUB_URL');
  if (pubUrl && !/^https?:\/\/[^/]+\/.*pub$/.test(pubUrl)) throw new UsageError(`RACETRACK_K8S_PUB_URL: "${pubUrl}" is not an http(s) URL ending in /pub`);
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  const reach = lookup('RACETRACK_K8S_REACH') ?? (inCluster ? 'service' : 'pods');
  if (reach !== 'service' && reach !== 'pods') throw new UsageError(`RACETRACK_K8S_REACH: "${reach}" is not one of service, pods`);
  const kubeconfig = new KubeConfig();
  const path = lookup('RACETRACK_K8S_KUBECONFIG');
  let source: string;
  if (path) {
    if (!existsSync(path)) throw new UsageError(`RACETRACK_K8S_KUBECONFIG: ${path} does not exist`);
    kubeconfig.loadFromFile(path);
    source = path;
  } else if (inCluster) {
    kubeconfig.loadFromCluster();
    source = 'the in-cluster service account';
  } else {
    const home = join(env.HOME ?? homedir(), '.kube', 'config');
    if (!existsSync(home)) return { unavailable: 'no cluster configured (RACETRACK_K8S_KUBECONFIG unset, not in a cluster, no ~/.kube/config)' };
    kubeconfig.loadFromFile(home);
    source = home;
  }
  if (!kubeconfig.getCurrentCluster()) throw new UsageError(`RACETRACK_K8S_KUBECONFIG: ${source} names no current cluster`);
  return { kubeconfig, source, namespace, imageRegistry, reach, ...(registryAuth ? { registryAuth } : {}), ...(pullSecret ? { pullSecret } : {}), ...(pubUrl ? { pubUrl } : {}) };
}

/** both settings or neither: one alone is a mistake that would otherwise show only as a refused push */
function registryLogin(lookup: (env: string) => string | undefined): RegistryAuth | undefined {
  const username = lookup('RACETRACK_IMAGE_REGISTRY_USER');
  const password = lookup('RACETRACK_IMAGE_REGISTRY_PASSWORD');
  if (!username && !password) return undefined;
  if (!username) throw new UsageError('RACETRACK_IMAGE_REGISTRY_USER: not set, but RACETRACK_IMAGE_REGISTRY_PASSWORD is');
  if (!password) throw new UsageError('RACETRACK_IMAGE_REGISTRY_PASSWORD: not set, but RACETRACK_IMAGE_REGISTRY_USER is');
  return { username, password };
}
