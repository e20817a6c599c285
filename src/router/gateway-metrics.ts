// Pub metrics in the Prometheus text format: requests by status, latency histogram, proxy errors, auth failures.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
import { escapeLabelValue as escape } from '../core/metric-families.js';
import { versionKey } from '../core/version-key.js';

/** Upper bounds in seconds; the last bucket (+Inf) is implicit. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Counters of one job version; the gateway keeps a reference so recording is a few increments. */
export class VersionMetrics {
  readonly byStatus = new Map<number, number>();
  /** Non-cumulative counts per bucket (index BUCKETS.length = +Inf); cumulated when rendered. */
  readonly buckets = new Array<number>(BUCKETS.length + 1).fill(0);
  sum = 0;
  count = 0;
  readonly proxyErrors = new Map<string, number>();

  constructor(readonly job: string, readonly version: string) {}

  observe(status: number, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  proxyError(reason: string): void {
    this.proxyErrors.set(reason, (this.proxyErrors.get(reason) ?? 0) + 1);
  }
}

interface AuthFailureCount {
  job: string;
  status: number;
  count: number;
}

export class GatewayMetrics {
  #versions = new Map<string, VersionMetrics>();
  #authFailures = new Map<string, AuthFailureCount>();
  /** Calls that named no known job (or were malformed): one series, whatever the name, to bound cardinality. */
  readonly unrouted = new VersionMetrics('', '');

  forVersion(job: string, version: string): VersionMetrics {
    const key = versionKey(job, version);
    let m = this.#versions.get(key);
    if (!m) this.#versions.set(key, (m = new VersionMetrics(job, version)));
    return m;
  }

  authFailure(job: string, status: number): void {
    const key = `${job}\0${status}`;
    const f = this.#authFailures.get(key);
    if (f) f.count++;
    else this.#authFailures.set(key, { job, status, count: 1 });
  }

  render(): string {
    return renderFamilies([this.unrouted, ...this.#versions.values()], [...this.#authFailures.values()]);
  }

  /** One version's series alone (and its job's auth failures): the /metrics the platform answers for a proxied job. */
  renderVersion(m: VersionMetrics): string {
    return renderFamilies([m], [...this.#authFailures.values()].filter((f) => f.job === m.job));
  }
}

function renderFamilies(all: readonly VersionMetrics[], authFailures: readonly AuthFailureCount[]): string {
  const out: string[] = [
    '# HELP racetrack_pub_requests_total Calls through /pub by job, version and response status.',
    '# TYPE racetrack_pub_requests_total counter',
  ];
  for (const m of all) {
    for (const [status, n] of m.byStatus) out.push(`racetrack_pub_requests_total{${labels(m)},status="${status}"} ${n}`);
  }
  out.push(
    '# HELP racetrack_pub_request_duration_seconds Time from the request to the end of the response.',
    '# TYPE racetrack_pub_request_duration_seconds histogram',
  );
  for (const m of all) {
    if (m.count === 0) continue;
    let cumulative = 0;
    for (let i = 0; i <= BUCKETS.length; i++) {
      cumulative += m.buckets[i]!;
      const le = i < BUCKETS.length ? String(BUCKETS[i]) : '+Inf';
      out.push(`racetrack_pub_request_duration_seconds_bucket{${labels(m)},le="${le}"} ${cumulative}`);
    }
    out.push(`racetrack_pub_request_duration_seconds_sum{${labels(m)}} ${m.sum}`);
    out.push(`racetrack_pub_request_duration_seconds_count{${labels(m)}} ${m.count}`);
  }
  out.push(
    '# HELP racetrack_pub_proxy_errors_total Failures to reach or read from a job upstream.',
    '# TYPE racetrack_pub_proxy_errors_total counter',
  );
  for (const m of all) {
    for (const [reason, n] of m.proxyErrors) out.push(`racetrack_pub_proxy_errors_total{${labels(m)},reason="${escape(reason)}"} ${n}`);
  }
  out.push(
    '# HELP racetrack_pub_auth_failures_total Calls refused for a missing, unknown or unauthorised token.',
    '# TYPE racetrack_pub_auth_failures_total counter',
  );
  for (const f of authFailures) out.push(`racetrack_pub_auth_failures_total{job="${escape(f.job)}",status="${f.status}"} ${f.count}`);
  return out.join('\n') + '\n';
}

function labels(m: VersionMetrics): string {
  return `job="${escape(m.job)}",version="${escape(m.version)}"`;
}
