// The channel our git hooks call: an HTTP server on a unix socket that only the server's uid can open
// (mode 0600 in a 0700 folder of the data dir; jobs never see it). It checks the push's own secret before
// reading a byte of the body, shape-checks the body, runs the push handler and streams its report back as
// NDJSON frames ({"o": text} … {"exit": code}); the hook copies text to the pusher and exits with the verdict.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtError } from '../core/errors.js';
import { escapeControlChars } from '../core/escape-control-chars.js';
import { logger } from '../core/log.js';
import { readBoundedBody } from '../core/read-bounded-body.js';
import { Reporter } from '../core/reporter.js';
import type { PushRegistry, PushSession } from './push-registry.js';
import type { Push, PushHandler, RefUpdate } from './types.js';

const log = logger('rt:git-receive');
const MAX_HOOK_BODY = 1024 * 1024;
/** sun_path holds 108 bytes on Linux; a longer data dir path gets its socket in a private temp folder */
const MAX_SOCKET_PATH = 100;
const GIT_ENV_KEYS = ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH'];
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface HookRequest {
  hook: 'pre-receive' | 'post-receive';
  stdin: string;
  options: string[];
  gitEnv: Record<string, string>;
}

export interface HookServer {
  close(): void;
}

export async function startHookServer(dataDir: string, registry: PushRegistry, handler: PushHandler): Promise<HookServer> {
  const server = createServer((req, res) => {
    handle(req, res, registry, handler).catch((e: unknown) => {
      log.error({ err: e }, 'hook request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // a deploy inside pre-receive may take minutes
  server.headersTimeout = 10_000;
  const { path, cleanup } = socketPath(dataDir);
  await listen(server, path);
  chmodSync(path, 0o600);
  registry.hookSocket = path;
  return {
    close() {
      server.close();
      server.closeAllConnections();
      cleanup();
    },
  };
}

function socketPath(dataDir: string): { path: string; cleanup: () => void } {
  const runDir = join(dataDir, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  chmodSync(runDir, 0o700);
  let path = join(runDir, 'hook.sock');
  let dir: string | undefined;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    dir = mkdtempSync(join(tmpdir(), 'rt-hook-')); // created 0700
    path = join(dir, 'hook.sock');
  }
  rmSync(path, { force: true }); // left by a server that was killed
  return { path, cleanup: () => rmSync(dir ?? path, { recursive: true, force: true }) };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, registry: PushRegistry, handler: PushHandler): Promise<void> {
  const session = registry.verify(req.headers['x-racetrack-push-id'], req.headers['x-racetrack-hook-secret']);
  if (!session) {
    res.writeHead(403, { connection: 'close' }).end();
    return;
  }
  const raw = await readBoundedBody(req, MAX_HOOK_BODY).catch(() => undefined);
  const body = raw && parseHookRequest(raw);
  if (!body) {
    res.writeHead(400, { connection: 'close' }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const frame = (f: object) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(f)}\n`);
  };
  // build output and job logs reach the pusher's terminal: no escape sequence of theirs is passed on raw
  const reporter = new Reporter((text) => frame({ o: escapeControlChars(text) }));
  const push: Push = { ...pushOf(session), refs: parseRefs(body.stdin), options: body.options, gitEnv: body.gitEnv };
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

function pushOf(s: PushSession): Pick<Push, 'id' | 'jobName' | 'repoPath' | 'pusher'> {
  return { id: s.id, jobName: s.jobName, repoPath: s.repoPath, pusher: s.pusher };
}

/** The body our hook client sends, or undefined for anything else. */
export function parseHookRequest(raw: Buffer): HookRequest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { hook, stdin, options = [], gitEnv = {} } = v as Record<string, unknown>;
  if (hook !== 'pre-receive' && hook !== 'post-receive') return undefined;
  if (typeof stdin !== 'string') return undefined;
  if (!Array.isArray(options) || !options.every((o) => typeof o === 'string')) return undefined;
  if (typeof gitEnv !== 'object' || gitEnv === null || Array.isArray(gitEnv)) return undefined;
  // only the variables git uses to find the quarantined objects are taken from the hook
  const env: Record<string, string> = {};
  for (const k of GIT_ENV_KEYS) {
    const value = (gitEnv as Record<string, unknown>)[k];
    if (typeof value === 'string') env[k] = value;
  }
  if (!stdin.split('\n').filter(Boolean).every(isRefLine)) return undefined;
  return { hook, stdin, options, gitEnv: env };
}

function isRefLine(line: string): boolean {
  const [oldSha, newSha, ref, extra] = line.split(' ');
  return extra === undefined && SHA.test(oldSha ?? '') && SHA.test(newSha ?? '') && (ref ?? '').startsWith('refs/');
}

function parseRefs(stdin: string): RefUpdate[] {
  return stdin.split('\n').filter(Boolean).map((line) => {
    const [oldSha, newSha, ref] = line.split(' ');
    return { oldSha: oldSha!, newSha: newSha!, ref: ref! };
  });
}
