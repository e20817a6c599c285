// Writes a JSON HTTP answer straight onto a socket and closes it: how an upgrade request is refused,
// since no ServerResponse exists for it. https://www.rfc-editor.org/rfc/rfc7230#section-3
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** `headers` is flat `[name, value, …]`; values come from the gateway, never raw from a client. */
export function sendRawJson(socket: Duplex, status: number, body: unknown, headers: readonly string[] = []): void {
  if (socket.destroyed) return;
  const json = JSON.stringify(body);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  // Read and drop what the client sends meanwhile, then close once the answer is written.
  socket.resume();
  socket.end(`${head}\r\n${json}`, () => socket.destroy());
}
