// The upstream deadlines of every call in flight, kept by one periodic sweep rather than by undici's own
// timers. undici makes a timer (and a WeakRef) per phase of a call, two per call when the head and body
// limits differ, and keeps the ones it cleared until its next half-second tick: under load they outlive
// the young generation, and the gateway paid a major GC every second or two for them (bench:gateway p99).
// A call only records the sweep's tick count when it hears from the job, an integer store. The calls are kept
// in an array, each knowing its slot: a Set of them cost 5–7 µs more per call under load, and doubled the p99
// (bench:gateway's gateway switching between the two within one process, three processes).
import { errors } from 'undici';

/** A call as the sweep sees it. */
export interface WatchedCall {
  /** The sweep's tick count when the job was last heard from (or the call started). */
  lastTick: number;
  /** The job's answer has started: the body limit applies, else the head limit. */
  answering: boolean;
  /** The client holds the answer back: the job's silence meanwhile is not the job's fault. */
  held: boolean;
  /** Where the sweep keeps the call; -1 while it is not watched. Set by the sweep only. */
  deadlineSlot: number;
  /** Ends the call with a timeout error (undici's own, so it is told and answered as before). */
  expire(err: Error): void;
}

export interface DeadlineLimits {
  /** From the request to the job's response head; 0 turns it off. */
  headMs: number;
  /** Silence between two pieces of the job's answer; 0 turns it off. */
  bodyMs: number;
}

/** Longest tick: a deadline fires at most two ticks late. */
const MAX_TICK_MS = 1000;
const MIN_TICK_MS = 10;

export class CallDeadlines {
  /** Ticks so far; calls copy it when they hear from the job. */
  tick = 0;
  readonly #calls: WatchedCall[] = [];
  readonly #headTicks: number;
  readonly #bodyTicks: number;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(limits: DeadlineLimits) {
    const on = [limits.headMs, limits.bodyMs].filter((ms) => ms > 0);
    const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(Math.min(...on, MAX_TICK_MS * 8) / 8)));
    // A call heard from just before a tick has waited at least (n - 1) ticks when n have passed.
    const ticksFor = (ms: number): number => (ms > 0 ? Math.ceil(ms / tickMs) + 1 : Infinity);
    this.#headTicks = ticksFor(limits.headMs);
    this.#bodyTicks = ticksFor(limits.bodyMs);
    if (on.length > 0) {
      this.#timer = setInterval(() => this.#sweep(), tickMs);
      this.#timer.unref();
    }
  }

  /** Starts (or restarts) the call's clock. */
  watch(call: WatchedCall): void {
    call.lastTick = this.tick;
    if (call.deadlineSlot >= 0) return;
    call.deadlineSlot = this.#calls.length;
    this.#calls.push(call);
  }

  unwatch(call: WatchedCall): void {
    const slot = call.deadlineSlot;
    if (slot < 0) return;
    call.deadlineSlot = -1;
    const last = this.#calls.pop()!;
    if (last === call) return;
    this.#calls[slot] = last;
    last.deadlineSlot = slot;
  }

  close(): void {
    clearInterval(this.#timer);
    for (const call of this.#calls) call.deadlineSlot = -1;
    this.#calls.length = 0;
  }

  #sweep(): void {
    const tick = ++this.tick;
    // backwards: unwatching moves the last call, already seen, into the freed slot
    for (let i = this.#calls.length - 1; i >= 0; i--) {
      const call = this.#calls[i];
      if (!call || call.held) continue;
      if (tick - call.lastTick < (call.answering ? this.#bodyTicks : this.#headTicks)) continue;
      this.unwatch(call);
      call.expire(call.answering ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError());
    }
  }
}
