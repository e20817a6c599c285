// A client's request body as a stream of its own, for one attempt at a job: undici destroys the
// stream it sends when the exchange ends (even when the job answered early), and destroying the
// client's IncomingMessage itself would cut the client's connection before it got that answer.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

export class RequestBody extends Readable {
  readonly #req: IncomingMessage;
  #attached = false;

  constructor(req: IncomingMessage) {
    super();
    this.#req = req;
  }

  override _read(): void {
    const req = this.#req;
    if (!this.#attached) {
      // Attached on the first read, so an attempt that never got a connection leaves the body untouched.
      this.#attached = true;
      req.on('data', this.#onData);
      req.on('end', this.#onEnd);
      req.on('close', this.#onClose);
    }
    req.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const req = this.#req;
    if (this.#attached) {
      req.off('data', this.#onData);
      req.off('end', this.#onEnd);
      req.off('close', this.#onClose);
      // Whatever the job did not take is read and dropped, so the client's connection is not left stalled.
      if (!req.complete) req.resume();
    }
    callback(err);
  }

  #onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.#req.pause();
  };

  #onEnd = (): void => {
    this.push(null);
  };

  #onClose = (): void => {
    if (!this.#req.complete) this.destroy(new Error('the client closed the connection before the end of its body'));
  };
}
