// The local target as a supervisor: replicas, crash restarts, memory limits, readiness, and server restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callJob, descendants, isRunning, makeJobRepo, pushSsh, startTestServer, waitFor, type TestServer } from '../harness.js';

const PHOENIX = {
  'job.yaml': [
    'name: phoenix', 'jobtype: python3', 'version: 1.0.0', 'replicas: 2',
    'resources:', '  memory_max: 128Mi',
    'jobtype_extra:', '  entrypoint_path: phoenix.py', '',
  ].join('\n'),
  'phoenix.py': [
    'import os, uuid',
    '# in its sandbox every replica is pid 2 of its own pid namespace: a token tells the processes apart',
    'PROCESS = uuid.uuid4().hex',
    'class Phoenix:',
    '    def perform(self):',
    '        return PROCESS',
    '    def auxiliary_endpoints(self):',
    "        return {'/die': self.die, '/hog': self.hog}",
    '    def die(self):',
    '        os._exit(3)',
    '    def hog(self):',
    '        self.block = bytearray(400 * 1024 * 1024)',
    '        return len(self.block)',
    '',
  ].join('\n'),
};

async function info(server: TestServer, name: string) {
  return JSON.parse((await server.ssh(`jobs info ${name} --json`)).stdout) as { status: string; upstreams: string[]; error: string | null };
}

const pidsOf = async (upstreams: string[]) => Promise.all(upstreams.map(async (u) => {
  const r = await fetch(`http://${u}/api/v1/perform`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  return (await r.json()) as string;
}));

describe('local target', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    const r = await pushSsh(server, await makeJobRepo(PHOENIX), 'phoenix');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await server.cleanup();
  });

  test('replicas: 2 gives two processes behind the route, called in turn', async () => {
    const { upstreams } = await info(server, 'phoenix');
    assert.equal(upstreams.length, 2);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await callJob(server, '/pub/job/phoenix/latest/api/v1/perform', { body: {} })).json as string);
    assert.equal(seen.size, 2);
  });

  test('a replica that dies is restarted and serves again; the route keeps answering meanwhile', async () => {
    const { upstreams } = await info(server, 'phoenix');
    const [before] = await pidsOf(upstreams);
    await fetch(`http://${upstreams[0]}/api/v1/die`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).catch(() => {});
    for (let i = 0; i < 5; i++) assert.equal((await callJob(server, '/pub/job/phoenix/latest/api/v1/perform', { body: {} })).status, 200);
    const after = await waitFor('a new process on the same port', async () => {
      const [pid] = await pidsOf([upstreams[0]!]);
      return pid !== before ? pid : undefined;
    });
    assert.notEqual(after, before);
    const logs = await server.ssh('jobs logs phoenix --tail 200');
    assert.match(logs.stdout, /exited with code 3; restarting/);
  });

  test('memory_max is enforced: a replica that allocates past it is killed and restarted', async () => {
    const { upstreams } = await info(server, 'phoenix');
    const logs0 = await server.ssh('jobs logs phoenix --tail 200');
    assert.match(logs0.stdout, /memory ≤ 134217728 bytes/);
    const [before] = await pidsOf([upstreams[1]!]);
    const hog = await fetch(`http://${upstreams[1]}/api/v1/hog`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).then((r) => r.status, () => 0);
    assert.notEqual(hog, 200);
    const after = await waitFor('the killed replica back', async () => {
      const [pid] = await pidsOf([upstreams[1]!]);
      return pid !== before ? pid : undefined;
    });
    assert.ok(after);
  });

  test('a version that starts crash-looping after its deploy turns error, and jobs info shows the last log lines', async () => {
    const r = await pushSsh(server, await makeJobRepo({
      'job.yaml': 'name: flaky\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: flaky.py\n',
      'flaky.py': [
        'import os, sys',
        "MARK = os.path.join(os.getcwd(), f\"flaky-{os.environ['JOB_DEPLOYMENT_TIMESTAMP']}\")",
        'class Flaky:',
        '    def __init__(self):',
        '        if os.path.exists(MARK):',
        "            sys.exit('flaky: broken on purpose after the first run')",
        '    def perform(self):',
        "        open(MARK, 'w').close()",
        '        os._exit(1)',
        '',
      ].join('\n'),
    }), 'flaky');
    assert.equal(r.code, 0, r.stderr);
    await callJob(server, '/pub/job/flaky/latest/api/v1/perform', { body: {} });
    const broken = await waitFor('status error', async () => {
      const i = await info(server, 'flaky');
      return i.status === 'error' ? i : undefined;
    });
    assert.match(broken.error ?? '', /crash-looping/);
    assert.match(broken.error ?? '', /broken on purpose after the first run/);
    const text = await server.ssh('jobs info flaky');
    assert.match(text.stdout, /status\s+error/);
    assert.match(text.stdout, /broken on purpose/);
    assert.equal((await callJob(server, '/pub/job/flaky/latest/api/v1/perform', { body: {} })).status, 503);
  });

  test('a job that crashes at start rejects the push with its last log lines', async () => {
    const r = await pushSsh(server, await makeJobRepo({
      'job.yaml': 'name: crashy\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: crashy.py\n',
      'crashy.py': 'raise ImportError("no such thing on purpose")\nclass Crashy:\n    def perform(self):\n        return 1\n',
    }), 'crashy');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /crashy 1\.0\.0 never became ready/);
    assert.match(r.stderr, /no such thing on purpose/);
    const list = JSON.parse((await server.ssh('jobs list --json')).stdout) as { name: string }[];
    assert.ok(!list.some((j) => j.name === 'crashy'));
    const deploys = JSON.parse((await server.ssh('deploys list crashy --json')).stdout) as { status: string; error: string }[];
    assert.equal(deploys[0]!.status, 'failed');
  });

  test('a slow __init__: live at once, the push waits for ready', async () => {
    const t0 = Date.now();
    const r = await pushSsh(server, await makeJobRepo({
      'job.yaml': 'name: sleepy\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: sleepy.py\n',
      'sleepy.py': 'import time\nclass Sleepy:\n    def __init__(self):\n        time.sleep(2)\n    def perform(self):\n        return "awake"\n',
    }), 'sleepy');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 2000);
    assert.match(r.stderr, /is live, waiting for \/ready/);
    assert.equal((await callJob(server, '/pub/job/sleepy/latest/api/v1/perform', { body: {} })).json, 'awake');
  });

  test('SIGTERM stops the server (exit 0) and its local jobs; a restart brings every version back', async () => {
    const { upstreams } = await info(server, 'phoenix');
    assert.equal(await server.stop(), 0);
    const refused = await fetch(`http://${upstreams[0]}/live`).then(() => false, () => true);
    assert.ok(refused, 'job processes stop with the server');
    server = await server.restart();
    assert.equal((await callJob(server, '/pub/job/phoenix/latest/api/v1/perform', { body: {} })).status, 200);
    assert.equal((await callJob(server, '/pub/job/sleepy/1.0.0/api/v1/perform', { body: {} })).json, 'awake');
    assert.equal((await info(server, 'phoenix')).status, 'running');
  });

  test('after kill -9 of the server its job processes end by themselves, and the next start brings the versions back', async () => {
    const oldPids = descendants(server.proc.pid!);
    assert.ok(oldPids.length > 0);
    await server.kill();
    await waitFor('the orphaned job processes to end', async () => (oldPids.some(isRunning) ? undefined : true), 10_000);
    server = await server.restart();
    assert.equal((await callJob(server, '/pub/job/phoenix/latest/api/v1/perform', { body: {} })).status, 200);
  });
});
