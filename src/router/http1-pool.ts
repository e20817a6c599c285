// A lean keep-alive HTTP/1.1 client for one job replica: raw sockets and Node's native llhttp
// parser (the one node:http itself uses), driven by plain callbacks: no per-request streams,
// promises or header objects. https://www.rfc-editor.org/rfc/rfc9112
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** node:http's own parser binding; `_http_common` is how node:http reaches it. */
interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [callback: number]: unknown;
  conn?: Connection;
}
const { HTTPParser } = createRequire(import.meta.url)('_http_common') as {
  HTTPParser: { new (): Parser; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number };
};

export interface ExchangeRequest {
  method: string;
  /** Origin-form target: `/path?query`. */
  path: string;
  /** flat `[name, value, …]`, end-to-end only, without Host, Content-Length (for Buffer bodies) or Transfer-Encoding. */
  headers: readonly string[];
  /** A stream is sent as it arrives (chunked unless `contentLength` was forwarded in `headers`); a Buffer with its length. */
  body: Readable | Buffer | null;
  /** For a stream body: true when `headers` carry the client's Content-Length, so bytes go as they are. */
  hasContentLength: boolean;
  /** Fail the exchange after this long without traffic; 0 = never (a client that gives up aborts instead). */
  timeoutMs: number;
}

/**
 * Where an exchange failed: `connect` (nothing reached the job), `stale` (a reused keep-alive
 * connection died before any byte of answer: the job may or may not have seen the request), `exchange`.
 */
export type FailureStage = 'connect' | 'stale' | 'exchange';

export interface ExchangeHandler {
  /** The final response head (1xx interim answers are skipped); `headers` flat as received. */
  onResponse(status: number, headers: string[]): void;
  /** Return false to pause the job's socket until `resume()`. */
  onBody(chunk: Buffer): boolean;
  onEnd(): void;
  /** Called at most once, never after onEnd. */
  onError(err: Error, stage: FailureStage): void;
}

/** The caller's grip on a running exchange. */
export interface Exchange {
  resume(): void;
  /** Drops the exchange (the connection is closed, the handler hears nothing more). */
  abort(): void;
}

/** Idle connections older than this are not reused: Node servers close them at 5 s (keepAliveTimeout). */
const IDLE_MS = 4_000;
const MAX_IDLE = 256;
const kConn = Symbol('conn');
type BodyStream = Readable & { [kConn]?: Connection };

export class Http1Pool {
  readonly host: string;
  readonly port: number;
  /** `host:port`, sent as Host. */
  readonly address: string;
  #idle: Connection[] = [];
  #closed = false;

  constructor(address: string) {
    this.address = address;
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    this.host = host.startsWith('[') ? host.slice(1, -1) : host;
    this.port = Number(address.slice(colon + 1));
  }

  /** Sends the request on an idle connection (unless `fresh`) or a new one. */
  request(req: ExchangeRequest, handler: ExchangeHandler, fresh = false): Exchange {
    if (this.#closed) {
      const conn = new Connection(this, undefined);
      queueMicrotask(() => handler.onError(Object.assign(new Error('the pool is closed'), { code: 'ERR_POOL_CLOSED' }), 'connect'));
      return conn;
    }
    const idle = fresh ? undefined : this.#takeIdle();
    if (idle) {
      idle.start(req, handler, true);
      return idle;
    }
    const conn = new Connection(this, connect({ host: this.host, port: this.port, noDelay: true }));
    conn.startWhenConnected(req, handler);
    return conn;
  }

  /** Ends idle connections now and in-flight ones when they finish. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.destroy();
  }

  /** @internal a finished connection that may carry another request */
  release(conn: Connection): void {
    if (this.#closed || this.#idle.length >= MAX_IDLE) return conn.destroy();
    conn.idleSince = performance.now();
    this.#idle.push(conn);
  }

  /** @internal */
  forget(conn: Connection): void {
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  #takeIdle(): Connection | undefined {
    const now = performance.now();
    for (let conn = this.#idle.pop(); conn; conn = this.#idle.pop()) {
      if (!conn.socket!.destroyed && now - conn.idleSince < IDLE_MS) return conn;
      conn.destroy();
    }
    return undefined;
  }
}

/** One socket to the replica, carrying one exchange at a time (no pipelining). */
class Connection implements Exchange {
  readonly pool: Http1Pool;
  readonly socket: Socket | undefined;
  readonly #parser: Parser | undefined;
  idleSince = 0;
  #handler: ExchangeHandler | undefined;
  #body: BodyStream | undefined;
  #chunked = false;
  #connected = false;
  #reused = false;
  #gotResponse = false;
  #informational = false;
  #skipBody = false;
  #keepAlive = false;
  #requestDone = false;
  #timeoutMs = 0;
  /** Headers of a response with more fields than the parser hands over at once. */
  #pending: string[] = [];

  constructor(pool: Http1Pool, socket: Socket | undefined) {
    this.pool = pool;
    this.socket = socket;
    if (!socket) return;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    parser.conn = this;
    parser[HTTPParser.kOnHeaders] = onParserHeaders;
    parser[HTTPParser.kOnHeadersComplete] = onParserHeadersComplete;
    parser[HTTPParser.kOnBody] = onParserBody;
    parser[HTTPParser.kOnMessageComplete] = onParserMessageComplete;
    this.#parser = parser;
    (socket as Socket & { [kConn]?: Connection })[kConn] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('timeout', onSocketTimeout);
  }

  startWhenConnected(req: ExchangeRequest, handler: ExchangeHandler): void {
    this.#handler = handler;
    this.socket!.once('connect', () => {
      this.#connected = true;
      if (this.#handler === handler) this.start(req, handler, false);
      else this.destroy(); // aborted while connecting
    });
  }

  start(req: ExchangeRequest, handler: ExchangeHandler, reused: boolean): void {
    const socket = this.socket!;
    this.#connected = true;
    this.#handler = handler;
    this.#reused = reused;
    this.#gotResponse = false;
    this.#informational = false;
    this.#skipBody = req.method === 'HEAD';
    this.#keepAlive = false;
    this.#requestDone = false;
    this.#timeoutMs = req.timeoutMs;
    if (req.timeoutMs > 0) socket.setTimeout(req.timeoutMs);

    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.pool.address}\r\n`;
    const h = req.headers;
    for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
    const body = req.body;
    if (body === null) {
      socket.write(`${head}\r\n`, 'latin1');
      this.#requestDone = true;
    } else if (Buffer.isBuffer(body)) {
      socket.cork();
      socket.write(`${head}content-length: ${body.length}\r\n\r\n`, 'latin1');
      socket.write(body);
      socket.uncork();
      this.#requestDone = true;
    } else {
      // https://www.rfc-editor.org/rfc/rfc9112#section-7.1
      this.#chunked = !req.hasContentLength;
      socket.write(this.#chunked ? `${head}transfer-encoding: chunked\r\n\r\n` : `${head}\r\n`, 'latin1');
      this.#body = body as BodyStream;
      this.#body[kConn] = this;
      body.on('data', onBodyData);
      body.on('end', onBodyEnd);
      body.on('error', onBodyError);
    }
  }

  resume(): void {
    this.socket?.resume();
  }

  abort(): void {
    this.#handler = undefined;
    this.destroy();
  }

  destroy(): void {
    this.#detachBody();
    if (this.socket && !this.socket.destroyed) this.socket.destroy();
  }

  // ---- request body

  sendBody(chunk: Buffer): void {
    if (chunk.length === 0) return; // an empty chunk would end a chunked body
    const socket = this.socket!;
    let ok: boolean;
    if (this.#chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    if (!ok) {
      // Backpressure: stop reading the client until the job's socket drains.
      const body = this.#body!;
      body.pause();
      socket.once('drain', () => body.resume());
    }
  }

  endBody(): void {
    if (this.#chunked) this.socket!.write('0\r\n\r\n', 'latin1');
    this.#detachBody();
    this.#requestDone = true;
  }

  #detachBody(): void {
    const body = this.#body;
    if (!body) return;
    body.off('data', onBodyData);
    body.off('end', onBodyEnd);
    body.off('error', onBodyError);
    delete body[kConn];
    this.#body = undefined;
  }

  // ---- response

  onHeaders(headers: string[]): void {
    for (const h of headers) this.#pending.push(h);
  }

  /** Returns llhttp's verdict: 1 = this message has no body (HEAD, 1xx). */
  onHeadersComplete(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number {
    this.#gotResponse = true;
    const all = headers ?? this.#pending;
    this.#pending = [];
    if (status < 200) {
      // Interim 1xx answers (103 Early Hints…) are skipped; a 101 to a request that asked for no upgrade is broken.
      if (status === 101 || upgrade) this.fail(new Error('unexpected protocol switch from the job'));
      else this.#informational = true;
      return 1;
    }
    this.#keepAlive = keepAlive;
    this.#handler?.onResponse(status, all);
    return this.#skipBody ? 1 : 0;
  }

  onBody(chunk: Buffer): void {
    if (this.#handler && !this.#handler.onBody(chunk)) this.socket!.pause();
  }

  onMessageComplete(): void {
    if (this.#informational) {
      this.#informational = false;
      return;
    }
    const handler = this.#handler;
    this.#handler = undefined;
    if (this.#timeoutMs > 0) this.socket!.setTimeout(0);
    handler?.onEnd();
    this.#finishIfIdle();
  }

  /** After the answer: back to the pool when the request was fully sent on a keep-alive connection. */
  #finishIfIdle(): void {
    if (this.#handler) return;
    if (!this.#requestDone) {
      // The job answered before the whole body was sent: stop sending; the connection cannot be reused.
      this.destroy();
      return;
    }
    if (this.#keepAlive && !this.socket!.destroyed) {
      // The last chunk may have paused the socket for backpressure; the next exchange starts flowing.
      if (this.socket!.isPaused()) this.socket!.resume();
      this.pool.release(this);
    } else {
      this.destroy();
    }
  }

  fail(err: Error): void {
    const handler = this.#handler;
    this.#handler = undefined;
    this.destroy();
    if (!handler) return;
    handler.onError(err, !this.#connected ? 'connect' : this.#reused && !this.#gotResponse ? 'stale' : 'exchange');
  }

  // ---- socket

  onData(data: Buffer): void {
    const ret = this.#parser!.execute(data);
    if (ret instanceof Error) this.fail(ret);
  }

  onEnd(): void {
    // A body delimited by the close of the connection ends here. https://www.rfc-editor.org/rfc/rfc9112#section-6.3
    if (this.#handler && this.#gotResponse) this.#parser!.finish();
    if (this.#handler) this.fail(Object.assign(new Error('the job closed the connection'), { code: 'UPSTREAM_CLOSED' }));
  }

  onClose(): void {
    this.pool.forget(this);
    if (this.#handler) this.fail(Object.assign(new Error('the connection to the job closed'), { code: 'UPSTREAM_CLOSED' }));
    this.#detachBody();
    // Not from inside a parser callback: the native parser must unwind first.
    if (this.#parser) setImmediate(closeParser, this.#parser);
  }
}

function closeParser(parser: Parser): void {
  parser.close();
}

// Listeners are shared functions finding their connection through `this`, so an exchange allocates no closures.
function onParserHeaders(this: Parser, headers: string[]): void {
  this.conn!.onHeaders(headers);
}
function onParserHeadersComplete(this: Parser, _major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown, status: number, _message: unknown, upgrade: boolean, keepAlive: boolean): number {
  return this.conn!.onHeadersComplete(headers, status, upgrade, keepAlive);
}
function onParserBody(this: Parser, chunk: Buffer): void {
  this.conn!.onBody(chunk);
}
function onParserMessageComplete(this: Parser): void {
  this.conn!.onMessageComplete();
}
type ConnSocket = Socket & { [kConn]: Connection };
function onSocketData(this: ConnSocket, data: Buffer): void {
  this[kConn].onData(data);
}
function onSocketEnd(this: ConnSocket): void {
  this[kConn].onEnd();
}
function onSocketError(this: ConnSocket, err: Error): void {
  this[kConn].fail(err);
}
function onSocketClose(this: ConnSocket): void {
  this[kConn].onClose();
}
function onSocketTimeout(this: ConnSocket): void {
  this[kConn].fail(Object.assign(new Error('the job did not answer in time'), { code: 'ETIMEDOUT' }));
}
function onBodyData(this: BodyStream, chunk: Buffer): void {
  this[kConn]?.sendBody(chunk);
}
function onBodyEnd(this: BodyStream): void {
  this[kConn]?.endBody();
}
function onBodyError(this: BodyStream, err: Error): void {
  this[kConn]?.fail(err);
}
