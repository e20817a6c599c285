// undici's Client.dispatch alone, as the gateway uses it (one call per connection at a time, 50 connections), against
// the same upstream: what the gateway's upstream side costs before any routing, auth or the client-facing server.
// argv: UPSTREAM_PORT SECONDS; prints one JSON line {rps, cpuUs}.
import { readFileSync } from 'node:fs';
import { Client } from 'undici';

const [port = '', seconds = '5'] = process.argv.slice(2);
const CONNECTIONS = 50;
const clients = Array.from({ length: CONNECTIONS }, () => new Client(`http://127.0.0.1:${port}`, { pipelining: 1 }));
/** utime + stime of this process, in clock ticks (1/100 s) */
const ticks = (): number => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const headers = ['host', `127.0.0.1:${port}`, 'x-forwarded-for', '127.0.0.1', 'x-request-tracing-id', 'bench'];
const end = Date.now() + Number(seconds) * 1000;
let done = 0;
const before = ticks();
await Promise.all(clients.map((client) => new Promise<void>((resolve, reject) => {
  const next = (): void => {
    if (Date.now() > end) return resolve();
    client.dispatch({ method: 'GET', path: '/pub/job/job-0/1.4.0/api/v1/perform', headers }, {
      onConnect() {},
      onHeaders: () => true,
      onData: () => true,
      onComplete() {
        done++;
        next();
      },
      onError: reject,
    });
  };
  next();
})));
console.log(JSON.stringify({ rps: done / Number(seconds), cpuUs: ((ticks() - before) * 10_000) / done }));
await Promise.all(clients.map((c) => c.close()));
