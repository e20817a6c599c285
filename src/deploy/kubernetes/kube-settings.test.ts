// The kubernetes target's settings: offered only with a registry and a cluster; a bad value names its setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubernetesSettings } from './kube-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'rt-kube-settings-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster: {server: "https://10.0.0.1:6443"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n');
const lookup = (values: Record<string, string>) => (name: string) => values[name];
const noCluster = { HOME: dir };

test('without RACETRACK_IMAGE_REGISTRY the target is not offered, saying why', () => {
  const s = kubernetesSettings(lookup({ RACETRACK_K8S_KUBECONFIG: kubeconfig }), noCluster);
  assert.match((s as { unavailable: string }).unavailable, /RACETRACK_IMAGE_REGISTRY is not set/);
});

test('a kubeconfig and a registry: namespace racetrack, pods reach outside a cluster, service inside', () => {
  const s = kubernetesSettings(lookup({ RACETRACK_K8S_KUBECONFIG: kubeconfig, RACETRACK_IMAGE_REGISTRY: 'reg.internal:5000/team/' }), noCluster);
  assert.ok(!('unavailable' in s));
  assert.equal(s.namespace, 'racetrack');
  assert.equal(s.imageRegistry, 'reg.internal:5000/team');
  assert.equal(s.reach, 'pods');
  assert.equal(s.kubeconfig.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
  const inCluster = kubernetesSettings(lookup({ RACETRACK_K8S_KUBECONFIG: kubeconfig, RACETRACK_IMAGE_REGISTRY: 'reg:5000' }), { KUBERNETES_SERVICE_HOST: '10.96.0.1' });
  assert.equal((inCluster as { reach: string }).reach, 'service');
});

test('bad values are usage errors naming the setting', () => {
  const base = { RACETRACK_K8S_KUBECONFIG: kubeconfig, RACETRACK_IMAGE_REGISTRY: 'reg:5000' };
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_K8S_NAMESPACE: 'Bad_NS' }), noCluster), /^UsageError: RACETRACK_K8S_NAMESPACE: "Bad_NS"/);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_K8S_REACH: 'tunnel' }), noCluster), /RACETRACK_K8S_REACH: "tunnel" is not one of service, pods/);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_IMAGE_REGISTRY: 'http://reg' }), noCluster), /RACETRACK_IMAGE_REGISTRY: "http:\/\/reg" is not host/);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_K8S_KUBECONFIG: join(dir, 'missing') }), noCluster), /RACETRACK_K8S_KUBECONFIG: .*missing does not exist/);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_K8S_PUB_URL: 'ftp://x/pub' }), noCluster), /RACETRACK_K8S_PUB_URL/);
});

test('the registry login takes both its settings; one alone names the missing one', () => {
  const base = { RACETRACK_K8S_KUBECONFIG: kubeconfig, RACETRACK_IMAGE_REGISTRY: 'reg:5000' };
  const s = kubernetesSettings(lookup({ ...base, RACETRACK_IMAGE_REGISTRY_USER: 'u', RACETRACK_IMAGE_REGISTRY_PASSWORD: 'p' }), noCluster);
  assert.deepEqual((s as { registryAuth?: unknown }).registryAuth, { username: 'u', password: 'p' });
  assert.equal((kubernetesSettings(lookup(base), noCluster) as { registryAuth?: unknown }).registryAuth, undefined);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_IMAGE_REGISTRY_USER: 'u' }), noCluster), /RACETRACK_IMAGE_REGISTRY_PASSWORD: not set/);
  assert.throws(() => kubernetesSettings(lookup({ ...base, RACETRACK_IMAGE_REGISTRY_PASSWORD: 'p' }), noCluster), /RACETRACK_IMAGE_REGISTRY_USER: not set/);
});

test('no kubeconfig, not in a cluster, no ~/.kube/config: not offered', () => {
  const s = kubernetesSettings(lookup({ RACETRACK_IMAGE_REGISTRY: 'reg:5000' }), noCluster);
  assert.match((s as { unavailable: string }).unavailable, /no cluster configured/);
  rmSync(dir, { recursive: true, force: true });
});
