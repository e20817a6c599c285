// Counters of the version lifecycle for /metrics: idle stops, wakes and their latency, rollbacks, retention stops.

/** upper bounds of the wake-latency histogram, in seconds */
const WAKE_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30];

export class LifecycleMetrics {
  idleStops = 0;
  wakes = 0;
  wakeFailures = 0;
  rollbacks = 0;
  retired = 0;
  private readonly wakeBuckets = WAKE_BUCKETS.map(() => 0);
  private wakeSeconds = 0;

  observeWake(seconds: number): void {
    this.wakes++;
    this.wakeSeconds += seconds;
    WAKE_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.wakeBuckets[i]!++;
    });
  }

  render(): string {
    const counter = (name: string, help: string, value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`];
    const lines = [
      ...counter('racetrack_idle_stops_total', 'Job versions stopped for want of calls.', this.idleStops),
      ...counter('racetrack_wakes_total', 'Idle job versions started again by a call.', this.wakes),
      ...counter('racetrack_wake_failures_total', 'Wakes whose version did not become ready.', this.wakeFailures),
      ...counter('racetrack_rollbacks_total', 'Times latest returned to the previous version after the promoted one failed.', this.rollbacks),
      ...counter('racetrack_retired_versions_total', 'Job versions stopped by retention (RACETRACK_KEEP_VERSIONS).', this.retired),
      '# HELP racetrack_wake_seconds From a call to an idle version to the version being ready.',
      '# TYPE racetrack_wake_seconds histogram',
      ...WAKE_BUCKETS.map((le, i) => `racetrack_wake_seconds_bucket{le="${le}"} ${this.wakeBuckets[i]}`),
      `racetrack_wake_seconds_bucket{le="+Inf"} ${this.wakes}`,
      `racetrack_wake_seconds_sum ${this.wakeSeconds.toFixed(6)}`,
      `racetrack_wake_seconds_count ${this.wakes}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
