// A version's objects fit the official Kubernetes schemas (kubernetes-models), carry CONTRACT §12's labels, confine the
// job, and their names never collide for names that differ only in case, `_` or `-`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpYaml } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { jobObjects } from './job-objects.js';
import { labelValue, objectName, refOf } from './object-names.js';
import type { InstanceSpec } from '../types.js';

const spec: InstanceSpec = {
  name: 'Ad_der', version: '1.2.3-rc.1+build.7', deploymentId: '20261201-0a1b2c3d', replicas: 3,
  env: { JOB_NAME: 'Ad_der', AUTH_TOKEN: 'secret-token' }, resources: { memory_min: '64Mi', memory_max: '256Mi', cpu_max: '500m' },
};
const objects = jobObjects({ spec, owner: 'abc123', image: `reg:5000/racetrack-job/x@sha256:${'a'.repeat(64)}`, port: 7000, probe: 'wrapper', user: { uid: 65534, gid: 65534 }, pullSecret: 'pull' });
/** as client-node sends them (its serializer names fields as the API does, e.g. `_from` → `from`) */
const onTheWire = (o: object) => parse(dumpYaml(o)) as Record<string, any>;
const wire = {
  deployment: onTheWire(objects.deployment),
  service: onTheWire(objects.service),
  secret: onTheWire(objects.secret),
  networkPolicy: onTheWire(objects.networkPolicy),
};

test('every object fits its official schema', () => {
  new Deployment(wire.deployment).validate();
  new Service(wire.service).validate();
  new Secret(wire.secret).validate();
  new NetworkPolicy(wire.networkPolicy).validate();
});

test('labels per CONTRACT §12 on every object; exact name and version in annotations', () => {
  for (const o of Object.values(objects)) {
    assert.equal(o.metadata!.labels!['app.kubernetes.io/managed-by'], 'racetrack');
    assert.equal(o.metadata!.labels!['racetrack.io/job-name'], 'Ad_der');
    // `+` is not allowed in a label value
    assert.equal(o.metadata!.labels!['racetrack.io/job-version'], '1.2.3-rc.1_build.7');
    assert.deepEqual(refOf(o.metadata), { name: 'Ad_der', version: '1.2.3-rc.1+build.7', deploymentId: '20261201-0a1b2c3d' });
  }
});

test('the Deployment confines the job and holds no environment value', () => {
  const pod = wire.deployment.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(wire.deployment.spec.replicas, 3);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'pull' }]);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, privileged: false });
  assert.deepEqual(c.resources, { requests: { memory: '64Mi' }, limits: { memory: '256Mi', cpu: '500m' } });
  assert.deepEqual([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path, c.startupProbe.httpGet.path], ['/ready', '/live', '/live']);
  assert.ok(!JSON.stringify(wire.deployment).includes('secret-token'));
  assert.deepEqual(c.env.map((e: { valueFrom: { secretKeyRef: { key: string } } }) => e.valueFrom.secretKeyRef.key), ['AUTH_TOKEN', 'JOB_NAME']);
});

test('only Racetrack\'s own pods may reach the job', () => {
  assert.deepEqual(wire.networkPolicy.spec.policyTypes, ['Ingress']);
  assert.deepEqual(wire.networkPolicy.spec.ingress[0].from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'racetrack', 'app.kubernetes.io/component': 'server' } } }]);
});

test('object names are DNS labels and collision-free', () => {
  const names = ['a_b', 'a-b', 'A-b', 'a.b'].map((name) => objectName({ name, version: '1.0.0', deploymentId: 'd' }));
  assert.equal(new Set(names).size, 4);
  const long = objectName({ name: 'x'.repeat(200), version: '1.0.0-alpha.1+build', deploymentId: 'd' });
  for (const n of [...names, long]) assert.match(n, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  assert.equal(labelValue('ok-1.0'), 'ok-1.0');
  assert.match(labelValue(`-${'y'.repeat(100)}+`), /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
});
