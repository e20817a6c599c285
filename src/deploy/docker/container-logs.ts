// A job version's runtime logs from the engine: its replicas' stdout and stderr, merged in time order for a tail,
// then as they arrive when following.
import type Docker from 'dockerode';

export interface LogOptions {
  tail?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

export async function* containerLogs(containers: Docker.Container[], opts: LogOptions): AsyncGenerator<string> {
  if (!opts.follow) {
    yield* await tailLogs(containers, opts.tail);
    return;
  }
  const streams = await Promise.all(containers.map((c) =>
    c.logs({ stdout: true, stderr: true, follow: true, ...(opts.tail !== undefined && { tail: opts.tail }) })));
  const stop = () => streams.forEach((s) => (s as NodeJS.ReadableStream & { destroy(): void }).destroy());
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    yield* interleave(streams.map((s) => demuxLines(s)));
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    stop();
  }
}

async function tailLogs(containers: Docker.Container[], tail: number | undefined): Promise<string[]> {
  const stamped: string[] = [];
  for (const c of containers) {
    const buf = await c.logs({ stdout: true, stderr: true, follow: false, timestamps: true, ...(tail !== undefined && { tail }) });
    for await (const line of demuxLines([buf])) stamped.push(sortableTimestamp(line));
  }
  const lines = stamped.sort().map((l) => l.slice(l.indexOf(' ') + 1));
  return tail === undefined ? lines : lines.slice(-tail);
}

/** The engine trims trailing zeros of its nanoseconds; padding them makes the RFC 3339 stamps sort as text. */
function sortableTimestamp(line: string): string {
  return line.replace(/^(\S+?)(?:\.(\d+))?Z /, (_, s: string, frac = '') => `${s}.${frac.padEnd(9, '0')}Z `);
}

/**
 * Lines of a non-TTY container's log stream: frames of an 8-byte header (stream type, 3 zero bytes, big-endian size)
 * and a payload, https://docs.docker.com/engine/api/v1.41/#tag/Container/operation/ContainerAttach
 */
async function* demuxLines(source: AsyncIterable<Buffer | string> | Iterable<Buffer>): AsyncGenerator<string> {
  let buf = Buffer.alloc(0);
  const partial = ['', '', '']; // stdin, stdout, stderr: lines may be split across frames
  const decoders = [new TextDecoder(), new TextDecoder(), new TextDecoder()];
  try {
    for await (const chunk of source) {
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4);
        if (buf.length < 8 + size) break;
        const kind = Math.min(buf[0]!, 2);
        const text = partial[kind] + decoders[kind]!.decode(buf.subarray(8, 8 + size), { stream: true });
        buf = buf.subarray(8 + size);
        const lines = text.split('\n');
        partial[kind] = lines.pop()!;
        yield* lines;
      }
    }
  } catch (e) {
    // a followed stream destroyed on abort ends the logs, not the caller
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
  }
  for (const rest of partial) if (rest) yield rest;
}

/** yields from several sources as each produces, until all end */
async function* interleave(sources: AsyncIterable<string>[]): AsyncGenerator<string> {
  const queue: string[] = [];
  let open = sources.length;
  let failure: unknown;
  let wake: (() => void) | undefined;
  for (const source of sources) {
    void (async () => {
      try {
        for await (const line of source) {
          queue.push(line);
          wake?.();
        }
      } catch (e) {
        failure ??= e;
      } finally {
        open--;
        wake?.();
      }
    })();
  }
  while (open > 0 || queue.length > 0) {
    if (queue.length > 0) yield queue.shift()!;
    else await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
  }
}
