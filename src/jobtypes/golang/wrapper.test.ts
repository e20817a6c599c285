// The golang wrapper built offline (a file:// GOPROXY made from Debian's packages) with Racetrack's sample job,
// then run over real HTTP through the shared wrapper contract, plus the build's own failure modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGolangJob, type GolangBuildOptions } from './build-golang-job.js';
import { post, runWrapperContract, startBinary, stopStartedBinaries } from '../wrapper-contract.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SAMPLE = join(ROOT, 'test/fixtures/jobs/golang-sample');
/** compiled packages and downloaded modules outlive the run, as the platform's shared cache does */
const CACHE_DIR = join(tmpdir(), 'racetrack-test-cache', 'golang');

const tmp = mkdtempSync(join(tmpdir(), 'rt-golang-'));
after(() => {
  stopStartedBinaries();
  rmSync(tmp, { recursive: true, force: true });
});
const proxyDir = join(tmp, 'proxy');
let builds = 0;

function writeJob(files: Record<string, string>): string {
  const dir = join(tmp, `job-${++builds}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function build(jobDir: string, extra: Partial<GolangBuildOptions> = {}): Promise<string> {
  const workDir = join(tmp, `work-${++builds}`);
  mkdirSync(workDir);
  const outFile = join(tmp, `bin-${builds}`);
  await buildGolangJob({ jobDir, workDir, outFile, cacheDir: CACHE_DIR, goproxy: `file://${proxyDir}`, gosumdb: 'off', ...extra });
  return outFile;
}

/** a job with a local module of its own (a replace directive in its go.mod) and a panic, a sleep and an echo */
const PROBE = {
  'go.mod': 'module probe\n\ngo 1.16\n\nrequire example.com/words v0.0.0\n\nreplace example.com/words => ./words\n',
  'words/go.mod': 'module example.com/words\n\ngo 1.16\n',
  'words/words.go': 'package words\n\nconst Panic = "panic on purpose"\n',
  'perform.go': `package probe

import (
	"time"

	"example.com/words"
)

func Perform(input map[string]interface{}) (interface{}, error) {
	if seconds, found := input["sleep"].(float64); found {
		time.Sleep(time.Duration(seconds * float64(time.Second)))
		return map[string]interface{}{"slept": seconds}, nil
	}
	if input["panic"] == true {
		panic(words.Panic)
	}
	if input["channel"] == true {
		return make(chan int), nil
	}
	return input, nil
}
`,
};

let adder = '';
let probe = '';
before(async () => {
  const script = spawnSync('bash', [join(ROOT, 'scripts/offline-go-proxy.sh'), proxyDir, 'golang-github-pkg-errors-dev'], { encoding: 'utf8' });
  assert.equal(script.status, 0, script.stderr);
  const started = Date.now();
  adder = await build(SAMPLE);
  const first = (Date.now() - started) / 1000;
  const again = Date.now();
  probe = await build(writeJob(PROBE));
  console.log(`# golang builds: sample ${first.toFixed(1)} s (cold when ${CACHE_DIR} was empty), probe ${((Date.now() - again) / 1000).toFixed(1)} s`);
});

runWrapperContract('golang', {
  adderBinary: () => adder,
  missingNumbersType: 'errors.fundamental',
  probeBinary: () => probe,
  panicType: 'panic',
});

describe('golang specifics', () => {
  test('Perform\'s error wrapped with github.com/pkg/errors keeps its message; a result that is not JSON answers 500', async () => {
    const job = await startBinary(adder, { JOB_NAME: 'golang-sample', JOB_VERSION: '0.0.2' });
    const notNumber = await post(job.port, '/api/v1/perform', { numbers: [1, 'two'] });
    assert.equal(notNumber.status, 500);
    assert.deepEqual(notNumber.json(), { error: 'numbers[1]: two is not a number', type: 'errors.withStack' });
    const probeJob = await startBinary(probe, { JOB_NAME: 'probe' });
    const channel = await post(probeJob.port, '/api/v1/perform', { channel: true });
    assert.equal(channel.status, 500);
    assert.match(channel.json().error, /^result is not JSON serializable: json: unsupported type: chan int/);
  });

  test('a compile error fails the build naming the job\'s file and line', async () => {
    const broken = writeJob({ 'go.mod': 'module broken\n\ngo 1.16\n', 'perform.go': 'package broken\n\nfunc Perform(input map[string]interface{}) (interface{}, error) {\n\treturn undefinedThing, nil\n}\n' });
    await assert.rejects(build(broken), (e: Error & { details?: string[] }) => {
      assert.match(e.message, /^go build failed: perform\.go:4:9: undefined: undefinedThing$/);
      return true;
    });
  });

  test('a root package without Perform, or with another signature, is named in the error', async () => {
    const wrong = writeJob({ 'go.mod': 'module wrong\n\ngo 1.16\n', 'perform.go': 'package wrong\n\nfunc Perform(input string) string { return input }\n' });
    await assert.rejects(build(wrong), (e: Error & { details: string[] }) => {
      assert.match(e.message, /job_entrypoint\.go:\d+:\d+: cannot use job\.Perform/);
      assert.match(e.details.at(-1)!, /must define: func Perform\(input map\[string\]interface\{\}\) \(interface\{\}, error\)/);
      return true;
    });
  });

  test('a job without go.mod is refused before anything runs', async () => {
    await assert.rejects(build(writeJob({ 'perform.go': 'package x\n' })), /^BadRequestError: go\.mod: missing at the job's root/);
  });

  test('a module that the proxy does not have fails the build naming it', async () => {
    const job = writeJob({ 'go.mod': 'module needs\n\ngo 1.16\n\nrequire example.org/absent v1.0.0\n', 'perform.go': 'package needs\n\nimport _ "example.org/absent"\n\nfunc Perform(input map[string]interface{}) (interface{}, error) { return nil, nil }\n' });
    await assert.rejects(build(job), /example\.org\/absent/);
  });

  test('offline-go-proxy.sh refuses to run without a needed Debian package, naming it', () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts/offline-go-proxy.sh'), join(tmp, 'nope'), 'golang-github-pkg-errors-dev', 'golang-no-such-package-dev'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^offline-go-proxy: Debian package\(s\) not installed: golang-no-such-package-dev \(apt-get install golang-no-such-package-dev\)$/m);
  });
});
