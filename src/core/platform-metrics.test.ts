import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformMetrics } from './platform-metrics.js';

/** name{labels} → value, from the text format */
function samples(text: string): Map<string, number> {
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
}

test('every family is declared before its first event; an unlabelled counter reads 0', () => {
  const text = new PlatformMetrics().render();
  for (const name of ['racetrack_deploys_total', 'racetrack_deploy_duration_seconds', 'racetrack_deploy_phase_duration_seconds',
    'racetrack_build_cache_hits_total', 'racetrack_build_cache_misses_total', 'racetrack_pushes_total', 'racetrack_idle_stops_total',
    'racetrack_wakes_total', 'racetrack_wake_duration_seconds', 'racetrack_rollbacks_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|histogram)$`, 'm'), name);
  }
  assert.equal(samples(text).get('racetrack_pushes_total'), 0);
});

test('events become counters and cumulative histograms with escaped labels', () => {
  const m = new PlatformMetrics();
  m.deployFinished('done', 3);
  m.deployFinished('done', 40);
  m.deployFinished('failed', 0.2);
  m.buildCache('python3', true);
  m.buildCache('python3', false);
  m.buildCache('python3', false);
  m.woke('a"b\\c\nd', 0.3);
  m.pushEnded();
  const s = samples(m.render());
  assert.equal(s.get('racetrack_deploys_total{result="done"}'), 2);
  assert.equal(s.get('racetrack_deploys_total{result="failed"}'), 1);
  assert.equal(s.get('racetrack_deploy_duration_seconds_bucket{result="done",le="2.5"}'), 0);
  assert.equal(s.get('racetrack_deploy_duration_seconds_bucket{result="done",le="5"}'), 1);
  assert.equal(s.get('racetrack_deploy_duration_seconds_bucket{result="done",le="+Inf"}'), 2);
  assert.equal(s.get('racetrack_deploy_duration_seconds_sum{result="done"}'), 43);
  assert.equal(s.get('racetrack_deploy_duration_seconds_count{result="done"}'), 2);
  assert.equal(s.get('racetrack_build_cache_hits_total{job_type="python3"}'), 1);
  assert.equal(s.get('racetrack_build_cache_misses_total{job_type="python3"}'), 2);
  assert.equal(s.get('racetrack_wakes_total{job="a\\"b\\\\c\\nd"}'), 1);
  assert.equal(s.get('racetrack_pushes_total'), 1);
});
