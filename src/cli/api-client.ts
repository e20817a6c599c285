// The CLI's HTTP client for one remote: the lifecycle API and pub calls, with the token of that remote.
// A server error becomes an RtError with the server's message, so `main` prints it as `error: …` and exits 1.
import { RtError } from '../core/errors.js';
import { loadClientConfig, resolveRemote } from './client-config.js';

const API = '/lifecycle/api/v1';

export class ApiClient {
  constructor(readonly remote: string, readonly token: string | undefined) {}

  /** The client for --remote (or the current remote), with the token stored for it. */
  static fromConfig(remoteOverride?: string): ApiClient {
    const config = loadClientConfig();
    const remote = resolveRemote(config, remoteOverride);
    return new ApiClient(remote, config.user_auths[remote]);
  }

  /** A token is needed from here on: say how to get one when there is none. */
  requireToken(): string {
    if (!this.token) throw new RtError(`not logged in to ${this.remote}`, { details: [`run: racetrack login TOKEN --remote ${this.remote}`] });
    return this.token;
  }

  api<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.json<T>(method, `${API}${path}`, body);
  }

  /** POST raw bytes (a plugin zip) to the lifecycle API: the JSON answer. */
  upload<T>(path: string, bytes: Uint8Array, contentType: string): Promise<T> {
    return this.json<T>('POST', `${API}${path}`, new RawBody(bytes, contentType));
  }

  /** Opens a streamed answer (logs --follow). */
  async stream(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.fetch('GET', `${API}${path}`);
    if (!res.ok || !res.body) throw await errorOf(res);
    return res.body;
  }

  /** POST to a job through pub: the job's JSON answer. */
  call(name: string, version: string, endpoint: string, payload: unknown): Promise<unknown> {
    const path = `/pub/job/${encodeURIComponent(name)}/${encodeURIComponent(version)}/${endpoint.replace(/^\/+/, '')}`;
    return this.json('POST', path, payload);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) throw await errorOf(res);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RtError(`${this.remote} answered ${method} ${path} with something that is not JSON`, { details: [text.slice(0, 200)] });
    }
  }

  /** `body` is sent as JSON, or as it is when it is raw bytes with their content type. */
  private async fetch(method: string, path: string, body?: unknown | RawBody): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers['x-racetrack-auth'] = this.token;
    const raw = body instanceof RawBody ? body : undefined;
    if (body !== undefined) headers['content-type'] = raw ? raw.contentType : 'application/json';
    try {
      return await fetch(`${this.remote}${path}`, { method, headers, body: raw ? new Uint8Array(raw.bytes) : body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new RtError(`cannot reach ${this.remote}: ${cause}`);
    }
  }
}

class RawBody {
  constructor(readonly bytes: Uint8Array, readonly contentType: string) {}
}

async function errorOf(res: Response): Promise<RtError> {
  const text = await res.text();
  let message = `${res.status} ${res.statusText}`;
  let details: string[] = [];
  try {
    const body = JSON.parse(text) as { error?: unknown; details?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (Array.isArray(body.details)) details = body.details.map(String);
  } catch {
    if (text) details = [text.slice(0, 200)];
  }
  if (res.status === 401) details.push('log in with: racetrack login TOKEN');
  return new RtError(message, { httpStatus: res.status, details });
}
