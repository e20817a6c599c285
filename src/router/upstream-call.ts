// One call to a job version over undici: round-robin over its replicas, failover while nothing was
// sent, and one retry of a safe request without a body whose connection died before any answer.
// Plain calls, async tasks and upgrades subclass it and say only where the answer goes. Its head and
// body deadlines are kept by the upstream's CallDeadlines sweep.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client, Dispatcher } from 'undici';
import { logger } from '../core/log.js';
import type { CallDeadlines, WatchedCall } from './call-deadlines.js';
import { RequestBody } from './request-body.js';
import type { RouteState } from './route-state.js';
import { markDown, pickUpstream, type Upstream } from './upstream-pools.js';

const log = logger('rt:router');

export interface UpstreamRequest {
  method: string;
  /** `/pub/job/NAME/VERSION/PATH?query` */
  path: string;
  /** flat `[name, value, …]`: end-to-end and gateway-set headers, plus `content-length` for a client body that had one. */
  headers: string[];
  /** The client's request (its body streams as Node parsed it), a body held in memory, or none. */
  body: IncomingMessage | Buffer | null;
  /** The Upgrade token of an upgrade request: undici then tunnels only after a 101. */
  upgrade?: string;
}

/**
 * A request that died on a connection before any answer may have reached the job, so only these
 * (and only without a body) are sent again. https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** How a kept-alive connection the job closed as we wrote to it fails. */
const CONNECTION_DIED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export class UnexpectedSwitchError extends Error {
  readonly code = 'UNEXPECTED_101';
  constructor() {
    super('the job switched protocols without being asked to');
  }
}

export abstract class UpstreamCall implements Dispatcher.DispatchHandlers, WatchedCall {
  protected readonly state: RouteState;
  /** The replica of the current attempt. */
  protected upstream!: Upstream;
  /** The connection of the current attempt, until the attempt ends. */
  #client: Client | undefined;
  /** No more callbacks will come (answered, failed, cancelled or switched to a tunnel). */
  protected finished = false;
  // what the deadline sweep reads (WatchedCall)
  lastTick = 0;
  deadlineSlot = -1;
  answering = false;
  held = false;
  #deadlines: CallDeadlines | undefined;
  #resume: (() => void) | undefined;
  readonly #request: UpstreamRequest;
  readonly #options: Dispatcher.DispatchOptions;
  #cursor: number;
  #remaining: number;
  #abort: ((err: Error) => void) | undefined;
  /** This attempt got a connection: from here on, the job may have seen the request. */
  #connected = false;
  /** The job sent the first byte of an answer (even one undici then refused). */
  #responding = false;
  #answered = false;
  #retried = false;
  #cancelled = false;

  constructor(state: RouteState, request: UpstreamRequest) {
    this.state = state;
    this.#request = request;
    this.#options = { method: request.method as Dispatcher.HttpMethod, path: request.path, headers: request.headers, body: null, upgrade: request.upgrade ?? null };
    this.#cursor = state.next++ % state.upstreams.length;
    this.#remaining = state.upstreams.length;
  }

  /** Starts the first attempt. */
  protected dispatch(): void {
    const upstreams = this.state.upstreams;
    const skip = pickUpstream(upstreams, this.#cursor, this.#remaining);
    const index = (this.#cursor + skip) % upstreams.length;
    this.#cursor = index + 1;
    this.#remaining -= skip + 1;
    this.upstream = upstreams[index]!;
    this.#attempt();
  }

  #attempt(): void {
    this.#connected = false;
    this.#responding = false;
    this.#abort = undefined;
    this.answering = false;
    this.held = false;
    const body = this.#request.body;
    // A fresh view of the client's body per attempt: undici destroys the stream it was given.
    this.#options.body = body === null || Buffer.isBuffer(body) ? body : new RequestBody(body);
    this.#client = this.upstream.acquire();
    this.#client.dispatch(this.#options, this);
  }

  /** The attempt is over: its connection may carry another call (undici queues it until this one is done). */
  #release(): void {
    this.#deadlines?.unwatch(this);
    const client = this.#client;
    this.#client = undefined;
    if (client) this.upstream.release(client);
  }

  /**
   * Lets the job go on with an answer that `onResponse` or `onBody` paused. A no-op once the call is over: the
   * job's connection may already carry someone else's call.
   */
  resume(): void {
    if (this.finished || !this.held) return;
    this.held = false;
    this.lastTick = this.#deadlines!.tick;
    this.#resume!();
  }

  /** The job missed a deadline (the sweep has let go of the call already). */
  expire(err: Error): void {
    this.#abort?.(err);
  }

  /** Stops the call because nobody waits for its answer any more. */
  protected cancel(): void {
    if (this.finished || this.#cancelled) return;
    this.#cancelled = true;
    // Not connected yet: onConnect aborts as soon as undici gets there.
    this.#abort?.(new Error('the client went away'));
  }

  // ---- what a subclass does with the answer

  /** The job's final answer head (1xx skipped); return false to pause the job until `resume()`. */
  protected abstract onResponse(status: number, headers: Buffer[]): boolean;
  /** Return false to pause the job until `resume()`. */
  protected abstract onBody(chunk: Buffer): boolean;
  protected abstract onEnd(): void;
  /** The call failed for good: no replica could take it, or it broke; `answered` tells whether onResponse ran. */
  protected abstract onFailure(err: Error, answered: boolean): void;
  /** The job answered 101 to an upgrade request: the socket is the subclass's to tunnel. */
  protected onSwitch(_headers: Buffer[], socket: Duplex): void {
    socket.destroy();
  }
  /** After `cancel`, the call has unwound. */
  protected onCancelled(): void {}

  // ---- undici's dispatch handler

  onConnect(abort: (err?: Error) => void): void {
    if (this.#cancelled) return abort(new Error('the client went away'));
    this.#abort = abort;
    this.#connected = true;
    this.#deadlines = this.upstream.deadlines;
    this.#deadlines.watch(this);
  }

  onResponseStarted(): void {
    this.#responding = true;
  }

  onHeaders(status: number, headers: Buffer[], resume: () => void): boolean {
    this.lastTick = this.#deadlines!.tick;
    if (status < 200) {
      // Interim answers (103 Early Hints…) are skipped; undici itself refuses an unasked 100.
      if (status === 101) throw new UnexpectedSwitchError();
      return true;
    }
    this.#answered = true;
    this.answering = true;
    this.#resume = resume;
    return this.#goOn(this.onResponse(status, headers));
  }

  onData(chunk: Buffer): boolean {
    this.lastTick = this.#deadlines!.tick;
    return this.#goOn(this.onBody(chunk));
  }

  #goOn(more: boolean): boolean {
    if (!more) this.held = true;
    return more;
  }

  onComplete(): void {
    this.finished = true;
    this.#release();
    this.onEnd();
  }

  onUpgrade(status: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    this.finished = true;
    this.#release();
    // undici hands over a socket only for a 101 that names the upgrade; anything else is a refusal.
    if (status !== 101 || !Array.isArray(headers)) return void socket.destroy();
    this.onSwitch(headers as Buffer[], socket);
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.#release();
    const code = (err as { code?: string }).code ?? err.name;
    if (this.#cancelled) {
      this.finished = true;
      return this.onCancelled();
    }
    const { route, metrics } = this.state;
    // Nothing was written to the job yet (no connection), so another replica may take the request;
    // a request undici refuses to build would fail the same way everywhere.
    if (!this.#connected && code !== 'UND_ERR_INVALID_ARG') {
      markDown(this.upstream);
      if (this.#remaining > 0) {
        metrics.proxyError(code);
        log.warn({ job: route.name, version: route.version, upstream: this.upstream.address, code }, 'replica unreachable; trying the next one');
        return this.dispatch();
      }
    }
    if (this.#connected && !this.#responding && !this.#retried && this.#request.body === null && SAFE_METHODS.has(this.#request.method) && CONNECTION_DIED.has(code)) {
      // The connection died without a byte of answer, typically a kept-alive one the job closed as
      // we reused it: same replica, once.
      this.#retried = true;
      return this.#attempt();
    }
    this.finished = true;
    metrics.proxyError(code);
    try {
      this.onFailure(err, this.#answered);
    } catch (bug) {
      // undici would turn a throw from here into an 'error' event on the client
      log.error({ err: bug, job: route.name, version: route.version }, 'failed to answer a failed call');
    }
  }
}
