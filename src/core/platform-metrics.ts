// The platform's event metrics, in one registry so that every name is chosen once: deploys and their phases,
// build caches, pushes, idle stops and wakes, rollbacks. Each capability records through the method named for
// its event; /metrics renders them beside the gateway's counters and the state gauges read at scrape time.
// deploy/observability/ (the Grafana dashboard) queries these names; its test checks they are exposed.
import { Counter, Histogram } from './metric-families.js';

/** Seconds: deploys and their phases last from milliseconds (nothing to do) to many minutes (a cold build). */
const DEPLOY_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds: a wake is a process or container start and a readiness wait. */
const WAKE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type DeployResult = 'done' | 'failed';

export class PlatformMetrics {
  readonly #deploys = new Counter('racetrack_deploys_total', 'Deployments finished, by result (done or failed).', ['result']);
  readonly #deployDuration = new Histogram('racetrack_deploy_duration_seconds', 'Time from a deployment\'s start to its end, by result.', ['result'], DEPLOY_BUCKETS);
  readonly #phaseDuration = new Histogram(
    'racetrack_deploy_phase_duration_seconds',
    'Time spent in each deployment phase (received, export, build, start, health, ready), by phase and result: failed for the phase a failed deployment ended in.',
    ['phase', 'result'], DEPLOY_BUCKETS,
  );
  readonly #cacheHits = new Counter('racetrack_build_cache_hits_total', 'Builds that found their job\'s build cache filled by an earlier build, by job type.', ['job_type']);
  readonly #cacheMisses = new Counter('racetrack_build_cache_misses_total', 'Builds that started with an empty build cache, by job type (a job type that keeps nothing there always misses).', ['job_type']);
  readonly #pushes = new Counter('racetrack_pushes_total', 'Git pushes received over SSH or HTTP (counted when their git process ends).', []);
  readonly #idleStops = new Counter('racetrack_idle_stops_total', 'Job versions stopped for being idle, by job.', ['job']);
  readonly #wakes = new Counter('racetrack_wakes_total', 'Idle job versions started again by a call, by job.', ['job']);
  readonly #wakeDuration = new Histogram('racetrack_wake_duration_seconds', 'Time from the call that wakes an idle version to the version being ready, by job.', ['job'], WAKE_BUCKETS);
  readonly #rollbacks = new Counter('racetrack_rollbacks_total', 'Times latest returned to the previous running version after the promoted one turned error, by job.', ['job']);
  readonly #wakeFailures = new Counter('racetrack_wake_failures_total', 'Wakes of idle job versions that did not become ready, by job.', ['job']);
  readonly #retired = new Counter('racetrack_retired_versions_total', 'Job versions stopped by retention (RACETRACK_KEEP_VERSIONS), by job.', ['job']);

  deployFinished(result: DeployResult, seconds: number): void {
    this.#deploys.inc({ result });
    this.#deployDuration.observe({ result }, seconds);
  }

  deployPhase(phase: string, result: DeployResult, seconds: number): void {
    this.#phaseDuration.observe({ phase, result }, seconds);
  }

  /** `hit`: the build found its job's cache filled by an earlier build */
  buildCache(jobType: string, hit: boolean): void {
    (hit ? this.#cacheHits : this.#cacheMisses).inc({ job_type: jobType });
  }

  pushEnded(): void {
    this.#pushes.inc({});
  }

  idleStopped(job: string): void {
    this.#idleStops.inc({ job });
  }

  woke(job: string, seconds: number): void {
    this.#wakes.inc({ job });
    this.#wakeDuration.observe({ job }, seconds);
  }

  rolledBack(job: string): void {
    this.#rollbacks.inc({ job });
  }

  wakeFailed(job: string): void {
    this.#wakeFailures.inc({ job });
  }

  retired(job: string): void {
    this.#retired.inc({ job });
  }

  render(): string {
    const families = [
      this.#deploys, this.#deployDuration, this.#phaseDuration, this.#cacheHits, this.#cacheMisses, this.#pushes,
      this.#idleStops, this.#wakes, this.#wakeDuration, this.#rollbacks, this.#wakeFailures, this.#retired,
    ];
    return `${families.flatMap((f) => f.render()).join('\n')}\n`;
  }
}
