// A STAND-IN for a Kubernetes cluster, not one: the fake API server, the stand-in kubelet running pods on the test's
// Docker engine, and a real image registry (Debian's docker-registry). Tests give RACETRACK_K8S_KUBECONFIG and
// RACETRACK_IMAGE_REGISTRY from here to the kubernetes target, which cannot tell the difference through its client.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { FakeKubeApi } from './fake-api/fake-api-server.js';
import { StandInKubelet } from './stand-in-kubelet.js';
import { HTPASSWD_BINARY, REGISTRY_BINARY, startRegistry, type TestRegistry } from './image-registry.js';

export interface StandInCluster {
  api: FakeKubeApi;
  kubelet: StandInKubelet;
  /** replaceable: a test may put another registry on the same port */
  registry: TestRegistry;
  kubeconfig: string;
  /** the settings that point a server at this cluster */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** why these tests cannot run here, or false */
export async function standInSkip(): Promise<string | false> {
  if (!(await dockerAvailable())) return 'skipped: no Docker engine';
  if (!existsSync(REGISTRY_BINARY)) return 'skipped: no docker-registry (apt-get install docker-registry)';
  if (!existsSync(HTPASSWD_BINARY)) return 'skipped: no htpasswd for a registry wanting a login (apt-get install apache2-utils)';
  return false;
}

export async function startStandInCluster(namespace = 'racetrack'): Promise<StandInCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-k8s-stand-in-'));
  const api = await FakeKubeApi.start(namespace);
  const kubelet = new StandInKubelet(api, new Docker());
  await kubelet.start();
  const registry = await startRegistry();
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'));
  const cluster: StandInCluster = {
    api, kubelet, registry, kubeconfig,
    env: { RACETRACK_K8S_KUBECONFIG: kubeconfig, RACETRACK_K8S_NAMESPACE: namespace, RACETRACK_IMAGE_REGISTRY: registry.address, RACETRACK_K8S_REACH: 'pods' },
    async close() {
      await kubelet.close();
      await api.close();
      await cluster.registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
