// The floor under the gateway: a Node HTTP server that hands every request to undici's Client.dispatch the way the
// gateway does (one call per keep-alive connection at a time, clients reused as soon as their call ends) and copies the
// answer back, with nothing else: no routing, auth, header rules, metrics or body handling. Not a usable proxy (it
// forwards hop-by-hop headers and bodies as they come); it only shows what pub costs before any of its own work.
// argv: UPSTREAM_ADDRESS
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type Dispatcher } from 'undici';

const [upstream = ''] = process.argv.slice(2);
const idle: Client[] = [];

const server = http.createServer((req, res) => {
  const client = idle.pop() ?? new Client(`http://${upstream}`, { pipelining: 1 });
  let resume = (): void => {};
  client.dispatch({ method: req.method as Dispatcher.HttpMethod, path: req.url!, headers: req.rawHeaders, body: null }, {
    onConnect() {},
    onHeaders(status, raw, resumeUpstream) {
      resume = resumeUpstream;
      const headers: string[] = [];
      for (const h of raw as Buffer[]) headers.push(h.toString('latin1'));
      res.writeHead(status, headers);
      return true;
    },
    onData(chunk) {
      if (res.write(chunk)) return true;
      res.once('drain', resume);
      return false;
    },
    onComplete() {
      idle.push(client);
      res.end();
    },
    onError(err) {
      res.destroy(err);
    },
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
