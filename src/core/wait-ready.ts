// Waits until every upstream answers /live and then /ready with 200 (or, for a server the platform fronts, answers
// HTTP at all), or the deadline passes. Targets wait on their replicas with it, and the job-type suite on a wrapper.
import { request } from 'node:http';

/**
 * How an upstream shows it is ready: `wrapper`, the wrapper contract's /live then /ready with 200; `http`, any HTTP
 * answer to GET / (a server that knows nothing of Racetrack, fronted by the gateway: docker-proxy). Connections alone
 * prove nothing: the engine's port forwarder accepts them before the server listens.
 */
export type ReadyProbe = 'wrapper' | 'http';

export interface WaitReadyOptions {
  timeoutMs: number;
  /** rejects early when the instance is known to have failed (e.g. the process crash-loops) */
  failed?: () => Promise<string | undefined>;
  onWaiting?: (what: string) => void;
  /** prefix the job serves its endpoints under, e.g. /pub/job/NAME/VERSION */
  prefix?: string;
  /** `wrapper` unless told */
  probe?: ReadyProbe;
  /** pause between two probes; 50 ms unless told (a wake, which a caller waits for, probes faster) */
  pollMs?: number;
}

export async function waitReady(upstreams: string[], opts: WaitReadyOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const http = opts.probe === 'http';
  for (const up of upstreams) {
    for (const probe of http ? ['/'] : ['/live', '/ready']) {
      let announced = false;
      for (;;) {
        const failure = await opts.failed?.();
        if (failure) throw new Error(failure);
        const status = await getStatus(up, probe);
        if (http ? status > 0 : status === 200) break;
        if (Date.now() > deadline) throw new Error(`not ready after ${Math.round(opts.timeoutMs / 1000)} s: ${up}${probe} never answered ${http ? 'HTTP' : '200'}`);
        if (!announced && probe === '/ready' && opts.onWaiting) {
          opts.onWaiting(`${up} is live, waiting for /ready`);
          announced = true;
        }
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
      }
    }
  }
}

function getStatus(upstream: string, path: string): Promise<number> {
  const [host, port] = splitHostPort(upstream);
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function splitHostPort(upstream: string): [string, number] {
  const i = upstream.lastIndexOf(':');
  return [upstream.slice(0, i).replace(/^\[|\]$/g, ''), Number(upstream.slice(i + 1))];
}
