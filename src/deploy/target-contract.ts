// The one contract every InfrastructureTarget keeps (local, docker, the fake; kubernetes next), run by each target's
// own test file: start → ready replicas on their upstreams → status, list, logs → scale → idle and wake → stop → gone.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Artifact } from '../jobtypes/index.js';
import type { InfrastructureTarget, InstanceSpec } from './types.js';
import { waitReady } from '../core/wait-ready.js';

export interface TargetUnderTest {
  target: InfrastructureTarget;
  /** an artifact of the kind the target runs, serving the wrapper contract */
  artifact: Artifact;
  /** an artifact of a kind the target does not run */
  foreign: Artifact;
  cleanup(): Promise<void>;
}

export function runTargetContract(label: string, make: () => Promise<TargetUnderTest>, opts: { skip?: string | false; readyTimeoutMs?: number } = {}): void {
  describe(`InfrastructureTarget contract: ${label}`, { skip: opts.skip }, () => {
    let t: TargetUnderTest;
    const spec: InstanceSpec = {
      name: 'contract', version: '1.0.0', deploymentId: `contract-${randomBytes(4).toString('hex')}`, replicas: 2,
      env: { JOB_NAME: 'contract', JOB_VERSION: '1.0.0' }, resources: {},
    };
    let upstreams: string[] = [];
    before(async () => {
      t = await make();
    });
    after(async () => {
      await t?.target.stop(spec).catch(() => {});
      await t?.target.shutdown();
      await t?.cleanup();
    });

    test('start gives one loopback upstream per replica, each live and ready', async () => {
      upstreams = await t.target.start(spec, t.artifact);
      assert.equal(upstreams.length, 2);
      assert.equal(new Set(upstreams).size, 2);
      for (const up of upstreams) assert.match(up, /^127\.0\.0\.1:\d+$/);
      await waitReady(upstreams, { timeoutMs: opts.readyTimeoutMs ?? 30_000 });
    });

    test('status is running and list names the instance', async () => {
      await waitFor(async () => (await t.target.status(spec)).status === 'running');
      const listed = await t.target.list();
      assert.ok(listed.some((r) => r.deploymentId === spec.deploymentId && r.name === spec.name && r.version === spec.version));
    });

    test('logs yield lines, and tail bounds them', async () => {
      const lines: string[] = [];
      for await (const line of t.target.logs(spec, { tail: 5 })) lines.push(line);
      assert.ok(lines.length <= 5);
    });

    test('an artifact of a kind the target does not run is refused, naming the kind', async () => {
      const other = { ...spec, deploymentId: `${spec.deploymentId}-foreign`, replicas: 1 };
      await assert.rejects(t.target.start(other, t.foreign), new RegExp(t.foreign.kind));
    });

    test('scale keeps the first replicas, adds ready ones, and stops the removed ones', async () => {
      const grown = await t.target.scale(spec, 3);
      assert.equal(grown.length, 3);
      assert.deepEqual(grown.slice(0, 2), upstreams);
      await waitReady([grown[2]!], { timeoutMs: opts.readyTimeoutMs ?? 30_000 });
      const shrunk = await t.target.scale(spec, 1);
      assert.deepEqual(shrunk, [upstreams[0]]);
      for (const up of grown.slice(1)) assert.equal(await connects(up), false, `${up} still accepts connections after the scale-down`);
      await waitFor(async () => (await t.target.status(spec)).status === 'running');
      upstreams = shrunk;
      const missing = { ...spec, deploymentId: `${spec.deploymentId}-missing` };
      await assert.rejects(t.target.scale(missing, 2), /does not run/);
    });

    test('idle and wake: suspend (stop, for a target without it) ends serving; start again serves ready replicas', async () => {
      const target = t.target;
      await (target.suspend ? target.suspend(spec) : target.stop(spec));
      for (const up of upstreams) assert.equal(await connects(up), false, `${up} still accepts connections while idle`);
      upstreams = await target.start(spec, t.artifact);
      assert.equal(upstreams.length, spec.replicas);
      await waitReady(upstreams, { timeoutMs: opts.readyTimeoutMs ?? 30_000 });
      await waitFor(async () => (await target.status(spec)).status === 'running');
    });

    test('stop ends every replica: status lost, not listed, upstreams refuse connections', async () => {
      await t.target.stop(spec);
      assert.equal((await t.target.status(spec)).status, 'lost');
      assert.ok(!(await t.target.list()).some((r) => r.deploymentId === spec.deploymentId));
      for (const up of upstreams) assert.equal(await connects(up), false, `${up} still accepts connections`);
      await t.target.purge(spec);
    });
  });
}

function connects(upstream: string): Promise<boolean> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
