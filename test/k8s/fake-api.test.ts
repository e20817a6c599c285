// The STAND-IN API server (not a cluster) speaks enough Kubernetes for the real kubectl and client-node: discovery,
// create, get, list by label, watch from a resource version; it refuses what the official schemas refuse, and
// anything outside its one namespace, as a namespaced Role would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeApi } from './fake-api/fake-api-server.js';
import { kubectl } from './kubectl.js';

const deployment = (name: string, labels: string, port = '7000') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: registry.invalid/web@sha256:${'0'.repeat(64)}
        ports: [{containerPort: ${port}}]
`;

describe('the stand-in Kubernetes API server', () => {
  let api: FakeKubeApi;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    api = await FakeKubeApi.start('racetrack');
    dir = mkdtempSync(join(tmpdir(), 'rt-fake-api-'));
    kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // kubectl's own validation needs the OpenAPI documents, which the stand-in does not serve; it validates on its side
  test('real kubectl applies a Deployment and reads it back', async () => {
    const applied = await kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('web', 'tier: front'));
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /deployment.apps\/web created/);
    const got = await kubectl(kubeconfig, ['get', 'deployment', 'web', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const obj = JSON.parse(got.stdout) as { metadata: { namespace: string; uid: string; generation: number }; spec: { replicas: number } };
    assert.equal(obj.metadata.namespace, 'racetrack');
    assert.equal(obj.spec.replicas, 2);
    assert.equal(obj.metadata.generation, 1);
    assert.ok(obj.metadata.uid);
  });

  test('kubectl lists by label selector', async () => {
    assert.equal((await kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('api', 'tier: back'))).code, 0);
    const listed = await kubectl(kubeconfig, ['get', 'deployments', '-l', 'tier in (back),tier!=front', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, 'api');
  });

  test('an object the official schema refuses is refused with 422, naming the field', async () => {
    const r = await kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('bad', 'tier: x', '"http"'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is invalid: .*containerPort must be integer/);
    assert.equal(api.store.list(api.resource('Deployment')).some((d) => d.metadata.name === 'bad'), false);
  });

  test('another namespace is forbidden, as a namespaced Role makes it', async () => {
    const r = await kubectl(kubeconfig, ['get', 'pods', '-n', 'kube-system']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Forbidden.*pods is forbidden/);
  });

  test('a watch from a resource version replays later changes, then streams new ones', async () => {
    const from = api.store.resourceVersion;
    await kubectl(kubeconfig, ['delete', 'deployment', 'api', '--wait=false']);
    const res = await fetch(`${api.url}/apis/apps/v1/namespaces/racetrack/deployments?watch=true&resourceVersion=${from}&labelSelector=tier%3Dfront`, { signal: AbortSignal.timeout(20_000) });
    const reader = res.body!.getReader();
    const created = kubectl(kubeconfig, ['apply', '--validate=false', '-f', '-'], deployment('web2', 'tier: front'));
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const e = JSON.parse(text.split('\n')[0]!) as { type: string; object: { metadata: { name: string } } };
    const events = [`${e.type} ${e.object.metadata.name}`];
    assert.equal((await created).code, 0);
    // the deletion of `api` (tier=back) happened after `from` but does not match the selector; `web` was made before `from`
    assert.deepEqual(events, ['ADDED web2']);
  });
});
