// deploy/kubernetes renders with the real `kubectl kustomize`, every object fits the official schemas
// (kubernetes-models), the Role stays in its namespace, and Racetrack's pods carry the labels job NetworkPolicies let in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ROOT, run } from '../harness.js';
import { SERVER_POD_LABELS } from '../../src/deploy/kubernetes/object-names.js';

const MODELS: Record<string, Record<string, new (data: never) => { validate(): void }>> = {
  v1: core as never, 'apps/v1': apps as never, 'rbac.authorization.k8s.io/v1': rbac as never,
};

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: any;
}

test('kubectl kustomize deploy/kubernetes renders objects that fit the official schemas', async () => {
  const r = await run('kubectl', ['kustomize', join(ROOT, 'deploy', 'kubernetes')]);
  assert.equal(r.code, 0, r.stderr);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  const kinds = objects.map((o) => o.kind).sort();
  assert.deepEqual(kinds, ['ConfigMap', 'Deployment', 'Namespace', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'Service', 'Service', 'ServiceAccount']);
  for (const o of objects) {
    const Model = MODELS[o.apiVersion]?.[o.kind];
    assert.ok(Model, `no schema for ${o.apiVersion} ${o.kind}`);
    assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`);
    if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'racetrack', `${o.kind} ${o.metadata.name} is namespaced`);
  }

  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  assert.equal(deployment.spec.replicas, 1);
  assert.deepEqual(deployment.spec.template.metadata.labels, SERVER_POD_LABELS);
  assert.ok(deployment.spec.template.spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === 'racetrack-data'));
  assert.equal(deployment.spec.template.spec.serviceAccountName, 'racetrack');
  // the server, not root, reaches the image builder's engine by a socket on a volume shared with the sidecar only
  const [server, sidecar] = deployment.spec.template.spec.containers;
  assert.equal(server.image, 'racetrack:0.1.0');
  assert.equal(sidecar.image, 'racetrack-docker-engine:0.1.0');
  assert.equal(deployment.spec.template.spec.securityContext.runAsUser, 10001);
  assert.deepEqual(server.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  assert.ok(!server.ports.some((p: any) => p.containerPort === 2375) && !sidecar.ports, 'the engine listens on no port');
  const socketDir = (c: any) => c.volumeMounts.find((m: any) => m.name === 'docker-socket')?.mountPath;
  assert.equal(server.env.find((e: any) => e.name === 'DOCKER_HOST').value, `unix://${socketDir(server)}/docker.sock`);
  assert.ok(sidecar.args.includes(`--host=unix://${socketDir(sidecar)}/docker.sock`) && sidecar.args.includes('--group=10001'));
  // the image's entrypoint fences the engine's containers off the cluster: the manifest sets only dockerd's flags
  assert.ok(!sidecar.command && !sidecar.args.includes('dockerd'), 'the entrypoint (fence, then dockerd) is not overridden');
  const blocked = sidecar.env.find((e: any) => e.name === 'RACETRACK_ENGINE_BLOCKED_CIDRS')?.value.split(' ');
  for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) assert.ok(blocked?.includes(range), range);
  assert.deepEqual(deployment.spec.template.spec.volumes.find((v: any) => v.name === 'docker-socket'), { name: 'docker-socket', emptyDir: {} });
  assert.deepEqual(server.envFrom.find((e: any) => e.secretRef)?.secretRef, { name: 'racetrack-secrets', optional: true });
  const ports = objects.filter((o) => o.kind === 'Service').flatMap((s) => s.spec.ports.map((p: any) => p.targetPort)).sort();
  assert.deepEqual(ports, ['http', 'ssh']);
  // the kubernetes target's verbs, no more, and no cluster-wide role
  const role = objects.find((o) => o.kind === 'Role')!;
  const granted = role.rules.flatMap((rule: any) => rule.resources.flatMap((res: string) => rule.verbs.map((v: string) => `${v} ${res}`)));
  for (const need of ['create deployments', 'delete deployments', 'watch deployments', 'create secrets', 'create services', 'create networkpolicies', 'watch pods', 'get pods/log', 'list events']) {
    assert.ok(granted.includes(need), need);
  }
  assert.ok(!objects.some((o) => o.kind.startsWith('Cluster')));
});
