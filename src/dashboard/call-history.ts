// Calls per minute per job version over the last day, for the job page's chart. In memory: the gateway notes
// every call here (as it notes the last call), so the history starts again at a restart.

const MINUTE = 60_000;
const KEEP_MINUTES = 24 * 60;

export interface CallSeries {
  /** the start of each minute, in unix seconds (uPlot's x axis) */
  minutes: number[];
  versions: { version: string; counts: number[] }[];
}

export class CallHistory {
  /** job name → version → minute index → calls */
  private readonly jobs = new Map<string, Map<string, Map<number, number>>>();

  constructor(private readonly now: () => number = Date.now) {}

  readonly record = (name: string, version: string): void => {
    let versions = this.jobs.get(name);
    if (!versions) this.jobs.set(name, (versions = new Map()));
    let minutes = versions.get(version);
    if (!minutes) versions.set(version, (minutes = new Map()));
    const m = Math.floor(this.now() / MINUTE);
    minutes.set(m, (minutes.get(m) ?? 0) + 1);
    if (minutes.size > KEEP_MINUTES) this.prune(minutes, m);
  };

  /** The last `span` minutes (up to a day) of a job's calls, one series per version that was called. */
  series(name: string, span = 60): CallSeries {
    const last = Math.floor(this.now() / MINUTE);
    const first = last - Math.min(span, KEEP_MINUTES) + 1;
    const minutes = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * 60);
    const versions = [...(this.jobs.get(name) ?? new Map<string, Map<number, number>>())].map(([version, counts]) => ({
      version,
      counts: minutes.map((s) => counts.get(s / 60) ?? 0),
    })).filter((v) => v.counts.some((c) => c > 0));
    return { minutes, versions };
  }

  private prune(minutes: Map<number, number>, now: number): void {
    for (const m of minutes.keys()) if (m <= now - KEEP_MINUTES) minutes.delete(m);
  }
}
