// Thin git hook client: tells the racetrack server, over its unix-socket hook channel, which refs moved and
// relays its streamed answer. stdout reaches the pusher as `remote:` lines; the exit code is the server's verdict.
'use strict';
const http = require('node:http');

module.exports = function runHook(hook) {
  const { RACETRACK_HOOK_SOCKET: socketPath, RACETRACK_HOOK_SECRET: secret, RACETRACK_PUSH_ID: pushId } = process.env;
  if (!socketPath || !secret || !pushId) {
    process.stdout.write(' !     this repository only accepts pushes through the racetrack server\n');
    process.exit(1);
  }
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const options = [];
    for (let i = 0; i < Number(process.env.GIT_PUSH_OPTION_COUNT || 0); i++) options.push(process.env[`GIT_PUSH_OPTION_${i}`]);
    const gitEnv = {};
    for (const k of ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH']) {
      if (process.env[k]) gitEnv[k] = process.env[k];
    }
    const body = JSON.stringify({ hook, stdin: Buffer.concat(chunks).toString(), options, gitEnv });
    const req = http.request({
      socketPath,
      path: `/hook/${hook}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-racetrack-push-id': pushId, 'x-racetrack-hook-secret': secret },
    }, (res) => {
      if (res.statusCode !== 200) {
        process.stdout.write(` !     racetrack refused the hook call (HTTP ${res.statusCode})\n`);
        process.exit(1);
      }
      let buf = '';
      let exit = 1; // a stream cut short is a failure
      res.setEncoding('utf8');
      res.on('data', (s) => {
        buf += s;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const frame = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          if (typeof frame.o === 'string') process.stdout.write(frame.o);
          if (typeof frame.exit === 'number') exit = frame.exit;
        }
      });
      res.on('end', () => process.exit(exit));
      res.on('error', () => process.exit(1));
    });
    req.on('error', (e) => {
      process.stdout.write(` !     racetrack server unreachable: ${e.message}\n`);
      process.exit(1);
    });
    req.end(body);
  });
};
