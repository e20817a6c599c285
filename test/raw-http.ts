// Raw-socket HTTP/1.1 for gateway attack tests: a strict message reader (the test's oracle of framing),
// a job on a bare `net` server that records every byte it receives, and a client that writes exact bytes.
// https://www.rfc-editor.org/rfc/rfc9112
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

export interface RawMessage {
  startLine: string;
  /** Names lower-cased, values trimmed, in wire order. */
  headers: [string, string][];
  body: Buffer;
  /** False while the body is still arriving (or the connection closed before it was whole). */
  complete: boolean;
}

export function header(m: RawMessage, name: string): string | undefined {
  return m.headers.find(([k]) => k === name)?.[1];
}

export function headerValues(m: RawMessage, name: string): string[] {
  return m.headers.filter(([k]) => k === name).map(([, v]) => v);
}

/**
 * Splits a byte stream into messages, strictly: a Transfer-Encoding other than `chunked`, both
 * framings at once, or a malformed chunk is an error, never a guess. Responses need to know which
 * requests were HEAD (no body) via `expectHead`.
 */
export class MessageReader {
  readonly messages: RawMessage[] = [];
  #buf = Buffer.alloc(0);
  #current: RawMessage | undefined;
  #remaining = 0;
  #mode: 'length' | 'chunked' | 'close' | 'none' = 'none';
  error: string | undefined;
  /** Called when a head is complete, before its body. */
  onHead: (m: RawMessage) => void = () => {};
  onMessage: (m: RawMessage) => void = () => {};
  /** For responses: methods of the requests in order, so a HEAD answer has no body. */
  readonly requestMethods: string[] = [];

  constructor(private readonly kind: 'request' | 'response') {}

  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    try {
      while (this.#step());
    } catch (e) {
      this.error = (e as Error).message;
      this.#buf = Buffer.alloc(0);
    }
  }

  /** The connection closed: a close-delimited body ends here. */
  end(): void {
    if (this.#current && this.#mode === 'close') this.#finish();
  }

  #step(): boolean {
    if (this.error) return false;
    if (!this.#current) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const lines = this.#buf.subarray(0, end).toString('latin1').split('\r\n');
      this.#buf = this.#buf.subarray(end + 4);
      const msg: RawMessage = { startLine: lines[0]!, headers: [], body: Buffer.alloc(0), complete: false };
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) throw new Error(`malformed header line ${JSON.stringify(line)}`);
        msg.headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
      }
      this.#current = msg;
      this.messages.push(msg);
      this.#frame(msg);
      this.onHead(msg);
      if (this.#mode === 'none') this.#finish();
      return true;
    }
    if (this.#mode === 'length') {
      const take = Math.min(this.#remaining, this.#buf.length);
      this.#current.body = Buffer.concat([this.#current.body, this.#buf.subarray(0, take)]);
      this.#buf = this.#buf.subarray(take);
      this.#remaining -= take;
      if (this.#remaining === 0) this.#finish();
      return this.#remaining === 0;
    }
    if (this.#mode === 'close') {
      this.#current.body = Buffer.concat([this.#current.body, this.#buf]);
      this.#buf = Buffer.alloc(0);
      return false;
    }
    // chunked
    const lineEnd = this.#buf.indexOf('\r\n');
    if (lineEnd < 0) return false;
    const sizeText = this.#buf.subarray(0, lineEnd).toString('latin1').split(';')[0]!;
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`malformed chunk size ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      // the last chunk, optional trailer lines, then an empty line
      const end = this.#buf.indexOf('\r\n\r\n', lineEnd);
      if (end < 0) return false;
      this.#buf = this.#buf.subarray(end + 4);
      this.#finish();
      return true;
    }
    if (this.#buf.length < lineEnd + 2 + size + 2) return false;
    if (this.#buf.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString() !== '\r\n') throw new Error('chunk not followed by CRLF');
    this.#current.body = Buffer.concat([this.#current.body, this.#buf.subarray(lineEnd + 2, lineEnd + 2 + size)]);
    this.#buf = this.#buf.subarray(lineEnd + 4 + size);
    return true;
  }

  #frame(msg: RawMessage): void {
    const te = headerValues(msg, 'transfer-encoding');
    const cl = headerValues(msg, 'content-length');
    if (te.length && cl.length) throw new Error('both Transfer-Encoding and Content-Length');
    if (cl.length > 1) throw new Error('more than one Content-Length');
    if (this.kind === 'response') {
      const status = Number(msg.startLine.split(' ')[1]);
      const isHead = status >= 200 && this.requestMethods.shift() === 'HEAD';
      if (status < 200 || status === 204 || status === 304 || isHead) return void (this.#mode = 'none');
    }
    if (te.length) {
      if (te.length !== 1 || te[0]!.toLowerCase() !== 'chunked') throw new Error(`unexpected Transfer-Encoding ${JSON.stringify(te)}`);
      this.#mode = 'chunked';
    } else if (cl.length) {
      if (!/^\d+$/.test(cl[0]!)) throw new Error(`malformed Content-Length ${cl[0]}`);
      this.#remaining = Number(cl[0]);
      this.#mode = this.#remaining > 0 ? 'length' : 'none';
    } else {
      this.#mode = this.kind === 'response' ? 'close' : 'none';
    }
  }

  #finish(): void {
    const msg = this.#current!;
    msg.complete = true;
    this.#current = undefined;
    this.#mode = 'none';
    this.onMessage(msg);
  }
}

export interface JobConnection {
  id: number;
  socket: net.Socket;
  /** Every byte received, exactly. */
  bytes: Buffer;
  reader: MessageReader;
  closed: boolean;
  /** Set by a script that answered 101: from then on the job echoes what it receives. */
  tunnel?: boolean;
}

/** What the job does with a request: write raw bytes back (or nothing), on its head or once it is whole. */
export type JobScript = (req: RawMessage, conn: JobConnection, stage: 'head' | 'message') => void;

/** The default answer: 200 naming the request's marker, so a client can tell its own answer. */
export function answer(req: RawMessage, conn: JobConnection, extraHeaders = ''): void {
  const body = JSON.stringify({ marker: header(req, 'x-marker') ?? null, path: req.startLine.split(' ')[1], conn: conn.id, body: req.body.toString('latin1') });
  conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`);
}

/** A job on a bare TCP server: it records what it receives and answers as `script` says (default: `answer` when whole). */
export class RawJob {
  readonly connections: JobConnection[] = [];
  readonly server: net.Server;
  script: JobScript = (req, conn, stage) => {
    if (stage === 'message') answer(req, conn);
  };

  constructor() {
    this.server = net.createServer((socket) => {
      const conn: JobConnection = { id: this.connections.length, socket, bytes: Buffer.alloc(0), reader: new MessageReader('request'), closed: false };
      this.connections.push(conn);
      conn.reader.onHead = (m) => this.script(m, conn, 'head');
      conn.reader.onMessage = (m) => this.script(m, conn, 'message');
      socket.on('data', (b: Buffer) => {
        conn.bytes = Buffer.concat([conn.bytes, b]);
        if (conn.tunnel) socket.write(b);
        else conn.reader.push(b);
      });
      socket.on('error', () => {});
      socket.on('close', () => (conn.closed = true));
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every request head the job saw, on every connection, in order. */
  requests(): RawMessage[] {
    return this.connections.flatMap((c) => c.reader.messages);
  }

  /** A framing the reader could not follow on any connection (it would be a smuggling vector). */
  errors(): string[] {
    return this.connections.flatMap((c) => (c.reader.error ? [`connection ${c.id}: ${c.reader.error}`] : []));
  }

  reset(): void {
    for (const c of this.connections) c.socket.destroy();
    this.connections.length = 0;
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise((r) => this.server.close(r));
  }
}

/** A client connection that writes exact bytes and splits what comes back into responses. */
export class RawClient {
  readonly socket: net.Socket;
  readonly reader = new MessageReader('response');
  bytes = Buffer.alloc(0);
  closed = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (b: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, b]);
      this.reader.push(b);
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.reader.end();
      this.#wake();
    });
  }

  static async open(address: string): Promise<RawClient> {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const socket = net.connect({ host, port });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  /** Writes raw bytes; `methods` lists the requests they hold, so answers to HEAD are read without a body. */
  write(raw: string | Buffer, methods: string[] = []): void {
    this.reader.requestMethods.push(...methods);
    this.socket.write(raw);
  }

  /** Waits until `n` final responses arrived (1xx skipped) or the connection closed. */
  async responses(n: number): Promise<RawMessage[]> {
    const finals = () => this.reader.messages.filter((m) => m.complete && !/^HTTP\/1\.1 1\d\d /.test(m.startLine));
    while (finals().length < n && !this.closed) await new Promise<void>((r) => this.#waiters.push(r));
    return finals();
  }

  /** Waits for the server to close the connection. */
  async closedByServer(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.#waiters.push(r));
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

export function statusOf(m: RawMessage): number {
  return Number(m.startLine.split(' ')[1]);
}

export function json(m: RawMessage): any {
  return JSON.parse(m.body.toString());
}
