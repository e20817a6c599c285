// Proxies an upgrade (WebSocket) handshake to a job replica: a tunnel opens only once the job
// answered 101; any other answer is relayed as a plain response and the connection closes, so bytes
// the client sent behind the handshake never reach the job as a request.
// https://www.rfc-editor.org/rfc/rfc9110#section-7.8 · https://www.rfc-editor.org/rfc/rfc6455#section-4.1
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { logger } from '../core/log.js';
import { callFailure } from './call-failure.js';
import { responseHeaders } from './response-headers.js';
import type { RoutedCall } from './route-call.js';
import { sendRawJson } from './send-raw-json.js';
import { UpstreamCall } from './upstream-call.js';

const log = logger('rt:router');

export class UpgradeCall extends UpstreamCall {
  readonly #socket: Duplex;
  /** What the client sent after its handshake: the new protocol's first bytes, for the job only after 101. */
  readonly #head: Buffer;
  readonly #call: RoutedCall;
  readonly #started: number;
  #status = 0;

  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, call: RoutedCall, upgrade: string, started: number) {
    super(call.state, { method: req.method!, path: call.path, headers: call.headers, body: null, upgrade });
    this.#socket = socket;
    this.#head = head;
    this.#call = call;
    this.#started = started;
  }

  start(): void {
    const socket = this.#socket;
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.cancel());
    this.dispatch();
  }

  /** The job said no (or answered as to a plain request): relay it, then close; no tunnel. */
  protected onResponse(status: number, raw: Buffer[]): boolean {
    this.#status = status;
    const headers = responseHeaders(raw, this.upstream.origin, this.#call.state.jobRoot, this.#call.tracingId);
    // The body ends with the connection unless the job gave its length.
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    this.#socket.write(`${head}connection: close\r\n\r\n`, 'latin1');
    this.#socket.on('drain', () => this.resume());
    return true;
  }

  protected onBody(chunk: Buffer): boolean {
    return this.#socket.write(chunk);
  }

  protected onEnd(): void {
    const socket = this.#socket;
    // Whatever the client sends next is read and dropped until the close: it is no request to the job.
    socket.resume();
    socket.end(() => socket.destroy());
    this.#record(this.#status);
  }

  /** 101: the job took the upgrade; from here bytes flow both ways untouched. */
  protected override onSwitch(raw: Buffer[], upstream: Duplex): void {
    const socket = this.#socket;
    if (socket.destroyed) return void upstream.destroy();
    const headers = responseHeaders(raw, this.upstream.origin, this.#call.state.jobRoot, this.#call.tracingId, true);
    let head = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    socket.write(`${head}\r\n`, 'latin1');
    upstream.on('error', () => socket.destroy());
    upstream.once('close', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    if (this.#head.length) upstream.write(this.#head);
    upstream.pipe(socket).pipe(upstream);
    this.#record(101);
  }

  protected onFailure(err: Error, answered: boolean): void {
    if (this.#socket.destroyed) return this.#record(499);
    if (answered) {
      // Mid-answer: cut the connection, the client sees a truncated response.
      this.#socket.destroy();
      return this.#record(this.#status);
    }
    const { status, body } = callFailure(err, this.state, this.#call.tracingId);
    const { route } = this.state;
    log.warn({ job: route.name, version: route.version, upstream: this.upstream.address, code: (err as { code?: string }).code, err: err.message }, 'upgrade call failed');
    sendRawJson(this.#socket, status, body, ['x-request-tracing-id', this.#call.tracingId]);
    this.#record(status);
  }

  protected override onCancelled(): void {
    this.#record(499);
  }

  #record(status: number): void {
    this.state.metrics.observe(status, (performance.now() - this.#started) / 1000);
  }
}
