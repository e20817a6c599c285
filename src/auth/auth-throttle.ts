// Slows down repeated failed authentication from one address and audits it, so guessing tokens or keys
// over SSH or HTTP costs time. The first few failures are free: clients legitimately try several keys.
import type { AuditLog } from '../audit/index.js';

const FREE_FAILURES = 3;
const MAX_DELAY_MS = 5000;
const FORGET_AFTER_MS = 15 * 60_000;
const AUDIT_EVERY_UP_TO = 10;

interface Record {
  count: number;
  last: number;
}

export class AuthThrottle {
  private readonly failures = new Map<string, Record>();

  constructor(private readonly audit: AuditLog) {}

  /** Notes a failure from `address` over `channel` and resolves after the delay it has earned. */
  async fail(address: string, channel: string): Promise<void> {
    const now = Date.now();
    const prev = this.failures.get(address);
    const rec = prev && now - prev.last < FORGET_AFTER_MS ? { count: prev.count + 1, last: now } : { count: 1, last: now };
    this.failures.set(address, rec);
    if (this.failures.size > 10_000) this.forgetOld(now);
    // audit the first failures and then every 50th, so a flood cannot fill the database
    if (rec.count <= AUDIT_EVERY_UP_TO || rec.count % 50 === 0) {
      this.audit.record(`address:${address}`, 'auth.failed', { detail: `${channel}, ${rec.count} failure${rec.count > 1 ? 's' : ''} in a row`, ok: false });
    }
    const delay = this.delayFor(rec.count);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  delayFor(count: number): number {
    return count <= FREE_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 100 * 2 ** (count - FREE_FAILURES - 1));
  }

  private forgetOld(now: number): void {
    for (const [k, v] of this.failures) if (now - v.last >= FORGET_AFTER_MS) this.failures.delete(k);
  }
}
