// Writes a small JSON answer (errors, async task states) in one go.
import type { ServerResponse } from 'node:http';

/** `headers` is flat `[name, value, …]`, added after Content-Type and Content-Length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: readonly string[] = []): void {
  const json = JSON.stringify(body);
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(json)), ...headers]);
  res.end(json);
}
