// A job version's runtime log: appended by its processes, rotated at a bounded size, read by `jobs logs`.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_BYTES = 10 * 1024 * 1024;

export class LogFile {
  private fd: number;
  private size: number;

  /** @param maxBytes size at which the file is rotated to PATH.1 (one old file is kept) */
  constructor(private readonly path: string, private readonly maxBytes = MAX_BYTES) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = statSync(path).size;
  }

  write(data: Buffer | string): void {
    if (this.fd < 0) return;
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.size + buf.length > this.maxBytes) this.rotate();
    writeSync(this.fd, buf);
    this.size += buf.length;
  }

  /** the last n lines written (from this file only) */
  tail(n: number): string[] {
    return tailLines(this.path, n);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }

  /** Lines of a log file: the last `tail` (all when undefined), then, with follow, new lines as they come. */
  static async *read(path: string, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string> {
    if (!existsSync(path)) return;
    const lines = tailLines(path, opts.tail ?? Number.MAX_SAFE_INTEGER);
    for (const l of lines) yield l;
    if (!opts.follow) return;
    let offset = statSync(path).size;
    let partial = '';
    while (!opts.signal?.aborted) {
      await sleep(200);
      if (!existsSync(path)) continue;
      const size = statSync(path).size;
      if (size < offset) offset = 0; // rotated
      if (size === offset) continue;
      const fd = openSync(path, 'r');
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      closeSync(fd);
      offset = size;
      const text = partial + buf.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) yield l;
    }
  }
}

function tailLines(path: string, n: number): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return n >= lines.length ? lines : lines.slice(lines.length - n);
}
