// Host uids for sandboxed jobs, from the operator's range: a job (all its versions and its builds, which share its
// secrets) holds one uid while anything of it runs, and no two jobs hold the same one.
import { RtError } from '../../../core/errors.js';

export interface UidRange {
  first: number;
  last: number;
}

export class UidPool {
  private readonly held = new Map<string, { uid: number; count: number }>();

  constructor(private readonly range: UidRange) {}

  /** the job's uid, the same for every holder until the last one releases it */
  acquire(job: string): number {
    const h = this.held.get(job);
    if (h) {
      h.count++;
      return h.uid;
    }
    const taken = new Set([...this.held.values()].map((x) => x.uid));
    for (let uid = this.range.first; uid <= this.range.last; uid++) {
      if (taken.has(uid)) continue;
      this.held.set(job, { uid, count: 1 });
      return uid;
    }
    throw new RtError(`no free sandbox uid: all ${this.range.last - this.range.first + 1} of RACETRACK_LOCAL_SANDBOX_UIDS (${this.range.first}-${this.range.last}) are held by running jobs`);
  }

  release(job: string): void {
    const h = this.held.get(job);
    if (h && --h.count === 0) this.held.delete(job);
  }
}
