// The rust wrapper built offline (a cargo directory source made from Debian's packages) with Racetrack's sample
// layout, then run over real HTTP through the shared wrapper contract, plus the build's own failure modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRustJob } from './build-rust-job.js';
import { post, runWrapperContract, startBinary, stopStartedBinaries } from '../wrapper-contract.js';
import { eventually } from '../../../test/harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SAMPLE = join(ROOT, 'test/fixtures/jobs/rust-sample');
/** the compiled wrapper library and crates outlive the run, as the platform's shared target dir does */
const TARGET_DIR = join(tmpdir(), 'racetrack-test-cache', 'rust-target');
/** made afresh by the script on every run, at a fixed path: cargo rebuilds crates whose source path moved */
const CARGO_HOME = join(tmpdir(), 'racetrack-test-cache', 'cargo-home');

const tmp = mkdtempSync(join(tmpdir(), 'rt-rust-'));
after(() => {
  stopStartedBinaries();
  rmSync(tmp, { recursive: true, force: true });
});
let builds = 0;

function writeJob(files: Record<string, string>): string {
  const dir = join(tmp, `job-${++builds}`);
  mkdirSync(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

async function build(jobDir: string): Promise<string> {
  const workDir = join(tmp, `work-${++builds}`);
  mkdirSync(workDir);
  const outFile = join(tmp, `bin-${builds}`);
  await buildRustJob({ jobDir, workDir, outFile, targetDir: TARGET_DIR, cargoHome: CARGO_HOME });
  return outFile;
}

/** a job with a module of its own beside mod.rs, and a panic, a sleep and an echo */
const PROBE = {
  'mod.rs': `use serde_json::{json, Value};
use std::collections::HashMap;

mod words;

pub fn perform(input: HashMap<String, Value>) -> Value {
    if let Some(seconds) = input.get("sleep").and_then(Value::as_f64) {
        std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
        return json!({"slept": seconds});
    }
    if input.get("panic") == Some(&Value::Bool(true)) {
        panic!("{}", words::PANIC);
    }
    json!(input)
}
`,
  'words.rs': 'pub const PANIC: &str = "panic on purpose";\n',
};

let adder = '';
let probe = '';
before(async () => {
  const script = spawnSync('bash', [join(ROOT, 'scripts/offline-cargo-source.sh'), CARGO_HOME], { encoding: 'utf8' });
  assert.equal(script.status, 0, script.stderr);
  const started = Date.now();
  adder = await build(SAMPLE);
  const first = (Date.now() - started) / 1000;
  const again = Date.now();
  probe = await build(writeJob(PROBE));
  const versions = spawnSync('cargo', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`# rust builds (${versions}): sample ${first.toFixed(1)} s (cold when ${TARGET_DIR} was empty), probe ${((Date.now() - again) / 1000).toFixed(1)} s`);
});

runWrapperContract('rust', {
  adderBinary: () => adder,
  missingNumbersType: 'panic',
  probeBinary: () => probe,
  panicType: 'panic',
});

describe('rust specifics', () => {
  test('the sample sums integers as an integer and floats as a float; a panic names its cause', async () => {
    const job = await startBinary(adder, { JOB_NAME: 'rust-sample', JOB_VERSION: '0.0.2' });
    assert.equal((await post(job.port, '/api/v1/perform', { numbers: [1.5, 2] })).text, '3.5');
    const notNumber = await post(job.port, '/api/v1/perform', { numbers: [1.5, 'two'] });
    assert.equal(notNumber.status, 500);
    assert.deepEqual(notNumber.json(), { error: '"two" is not a number', type: 'panic' });
    // the panic's location, printed by Rust's panic hook through a pipe of its own
    await eventually(async () => /panicked at src\/handler\/mod\.rs:\d+:\d+/.test(job.stderr()), 5000);
  });

  test('a compile error fails the build naming the job\'s file and line', async () => {
    const broken = writeJob({ 'mod.rs': 'use serde_json::Value;\nuse std::collections::HashMap;\n\npub fn perform(input: HashMap<String, Value>) -> Value {\n    undefined_thing\n}\n' });
    await assert.rejects(build(broken), /^RtError: cargo build failed: mod\.rs:5:5: error\[E0425\]: cannot find value `undefined_thing` in this scope$/);
  });

  test('a perform with another signature is named in the error', async () => {
    const wrong = writeJob({ 'mod.rs': 'pub fn perform(input: String) -> String {\n    input\n}\n' });
    await assert.rejects(build(wrong), /cargo build failed: src\/main\.rs:\d+:\d+: error\[E0308\]: mismatched types/);
  });

  test('a job without mod.rs is refused before anything runs', async () => {
    await assert.rejects(build(writeJob({ 'main.rs': 'fn main() {}\n' })), /^BadRequestError: mod\.rs: missing at the job's root/);
  });

  test('builds leave only the shared crates in the target dir, not their own binaries', () => {
    assert.deepEqual(readdirSync(join(TARGET_DIR, 'release')).filter((f) => f.startsWith('rtjob-')), []);
  });

  test('offline-cargo-source.sh refuses to run without a needed Debian package, naming it', () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts/offline-cargo-source.sh'), join(tmp, 'nope'), 'librust-serde-json-dev', 'librust-no-such-crate-dev'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^offline-cargo-source: Debian package\(s\) not installed: librust-no-such-crate-dev \(apt-get install librust-no-such-crate-dev\)$/m);
  });
});
