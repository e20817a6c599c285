// The trivial job every bench target proxies to: a Node HTTP server answering a short text body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('hello from the job\n');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
