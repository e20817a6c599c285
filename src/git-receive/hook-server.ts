// The loopback endpoint our git hooks call. It runs the push handler and streams its report back as NDJSON
// frames ({"o": text} … {"exit": code}); the hook copies text to the pusher and exits with the verdict.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RtError } from '../core/errors.js';
import { logger } from '../core/log.js';
import { readBoundedBody } from '../core/read-bounded-body.js';
import { Reporter } from '../build/reporter.js';
import type { PushRegistry } from './push-registry.js';
import type { Push, PushHandler, RefUpdate } from './types.js';

const log = logger('rt:git-receive');
const MAX_HOOK_BODY = 1024 * 1024;

interface HookRequest {
  pushId: string;
  hook: 'pre-receive' | 'post-receive';
  stdin: string;
  options: string[];
  gitEnv: Record<string, string>;
}

export async function startHookServer(registry: PushRegistry, handler: PushHandler): Promise<Server> {
  const server = createServer((req, res) => {
    void handle(req, res, registry, handler);
  });
  server.requestTimeout = 0; // a deploy inside pre-receive may take minutes
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  registry.hookUrl = `http://127.0.0.1:${port}/hook`;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, registry: PushRegistry, handler: PushHandler): Promise<void> {
  let body: HookRequest;
  try {
    body = JSON.parse((await readBoundedBody(req, MAX_HOOK_BODY))?.toString() ?? '') as HookRequest;
  } catch {
    res.writeHead(400).end();
    return;
  }
  const session = registry.verify(req.headers['x-racetrack-hook-secret'] as string | undefined, body.pushId);
  if (!session) {
    res.writeHead(403).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const frame = (f: object) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(f)}\n`);
  };
  const reporter = new Reporter((text) => frame({ o: text }));
  const push: Push = { ...session, refs: parseRefs(body.stdin), options: body.options ?? [], gitEnv: pickGitEnv(body.gitEnv) };
  let exit = 0;
  try {
    if (body.hook === 'pre-receive') await handler.preReceive(push, reporter);
    else await handler.postReceive(push, reporter);
  } catch (e) {
    exit = 1;
    if (e instanceof RtError) {
      reporter.error([e.message, ...e.details].join('\n'));
    } else {
      log.error({ err: e, job: push.jobName }, 'push handler failed');
      reporter.error(`internal error: ${(e as Error).message}`);
    }
  }
  frame({ exit });
  res.end();
}

function parseRefs(stdin: string): RefUpdate[] {
  return stdin.split('\n').filter(Boolean).map((line) => {
    const [oldSha, newSha, ref] = line.split(' ');
    return { oldSha: oldSha!, newSha: newSha!, ref: ref! };
  });
}

/** Only the variables git uses to find the quarantined objects are taken from the hook. */
function pickGitEnv(env: Record<string, string> = {}): Record<string, string> {
  const keep = ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH'];
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => keep.includes(k) && typeof v === 'string'));
}
