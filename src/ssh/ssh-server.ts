// The SSH listener (ssh2): public-key auth against our users' keys, then either git over SSH
// (git-receive-pack / git-upload-pack on the job's bare repo) or one of our ssh commands.
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import type { AuthThrottle, Subject } from '../auth/index.js';
import { RtError } from '../core/errors.js';
import { escapeControlChars } from '../core/escape-control-chars.js';
import { logger } from '../core/log.js';
import { gitProtocol, openGitSession, type GitService, type GitSessionDeps, Repos } from '../git-receive/index.js';
import type { Services } from '../services/services.js';
import { limitConnections, type ConnectionLimits } from '../core/limit-connections.js';
import { dispatch } from './dispatch.js';
import { loadHostKey } from './host-key.js';
import { splitCommand } from './split-command.js';

const log = logger('rt:ssh');

export interface SshDeps extends GitSessionDeps {
  services: Services;
  throttle: AuthThrottle;
}

export interface SshLimits {
  /** how long a connection may take to authenticate, in ms */
  authTimeoutMs: number;
  connections: ConnectionLimits;
}

/**
 * The SSH listener: a plain TCP server that caps connections and gives each one `authTimeoutMs` to
 * authenticate, handing its sockets to ssh2.
 */
export function createSshServer(dataDir: string, deps: SshDeps, limits: SshLimits): NetServer {
  /** `ip|port` of connections not authenticated yet → the timer that closes them */
  const unauthenticated = new Map<string, NodeJS.Timeout>();
  const ssh = createSsh2Server(dataDir, deps, (client, key) => {
    const timer = unauthenticated.get(key);
    if (timer) client.once('ready', () => {
      clearTimeout(timer);
      unauthenticated.delete(key);
    });
  });
  const front = createNetServer((socket) => {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    unauthenticated.set(key, setTimeout(() => socket.destroy(), limits.authTimeoutMs));
    socket.once('close', () => {
      clearTimeout(unauthenticated.get(key));
      unauthenticated.delete(key);
    });
    socket.on('error', () => socket.destroy());
    ssh.injectSocket(socket);
  });
  limitConnections(front, limits.connections, 'ssh');
  return front;
}

function createSsh2Server(dataDir: string, deps: SshDeps, onClient: (client: Connection, key: string) => void): ssh2.Server {
  const server = new ssh2.Server({ hostKeys: [loadHostKey(dataDir)], ident: 'racetrack' }, (client: Connection, info) => {
    onClient(client, `${info.ip}|${info.port}`);
    let subject: Subject | undefined;
    let triedKey = false;
    const refuse = (ctx: ssh2.AuthContext) => ctx.reject(['publickey']);
    client.on('authentication', (ctx) => {
      // an address over its budget of failures is refused at once, whatever key it offers (a proven one too)
      if (deps.throttle.blockedFor(info.ip) > 0) return ctx.reject([]);
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      triedKey = true;
      // Without a signature the client only asks whether this key would do; with one, it proves possession.
      const verdict = deps.auth.verifySshKey({ key: ctx.key.data, signature: ctx.signature, blob: ctx.blob, hashAlgo: ctx.hashAlgo });
      if (verdict === 'refused') return refuse(ctx);
      if (verdict !== 'acceptable') subject = verdict;
      ctx.accept();
    });
    // Clients offer several keys in turn, so one failure is a connection that offered keys and never got in.
    // (A key cannot be guessed; the budget is shared with git over HTTP and the API, where tokens and passwords can.)
    client.on('close', () => {
      if (triedKey && !subject) deps.throttle.fail(info.ip, 'ssh');
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let protocol: string | undefined;
        session.on('pty', (ok) => ok?.());
        session.on('env', (ok, _reject, env) => {
          if (env.key === 'GIT_PROTOCOL') protocol = gitProtocol(env.val);
          ok?.();
        });
        session.on('shell', (ok) => {
          const channel = ok();
          void runCommand(channel, [], subject!, deps);
        });
        session.on('exec', (ok, _reject, info) => {
          const channel = ok();
          let argv: string[];
          try {
            argv = splitCommand(info.command);
          } catch (e) {
            channel.stderr.write(`error: ${(e as Error).message}\n`);
            return finish(channel, 2);
          }
          if (argv[0] === 'git-receive-pack' || argv[0] === 'git-upload-pack') void runGit(channel, argv, subject!, deps, protocol);
          else void runCommand(channel, argv, subject!, deps);
        });
      });
    });
    client.on('error', (e) => log.debug({ err: e.message }, 'ssh client error'));
  });
  // a client that breaks the protocol before its ident line is an error of the server object in ssh2
  server.on('error', (e: Error) => log.debug({ err: e.message }, 'ssh connection error'));
  return server;
}

async function runGit(channel: ServerChannel, argv: string[], subject: Subject, deps: SshDeps, protocol: string | undefined): Promise<void> {
  const service = argv[0] as GitService;
  try {
    if (argv.length !== 2) throw new RtError(`usage: ${service} 'NAME'`, { exitCode: 2 });
    const name = Repos.jobNameFromPath(argv[1]!);
    const { git, ended } = await openGitSession(deps, subject, service, name, { protocol });
    channel.on('error', () => git.kill());
    channel.pipe(git.stdin!);
    git.stdout!.pipe(channel, { end: false });
    git.stderr!.pipe(channel.stderr, { end: false });
    channel.on('close', () => {
      if (git.exitCode === null) git.kill();
    });
    finish(channel, await ended);
  } catch (e) {
    const err = e instanceof RtError ? e : new RtError((e as Error).message);
    if (!channel.destroyed) channel.stderr.write(`racetrack: ${escapeControlChars(err.message)}\n`);
    finish(channel, err.exitCode);
  }
}

async function runCommand(channel: ServerChannel, argv: string[], subject: Subject, deps: SshDeps): Promise<void> {
  const abort = new AbortController();
  channel.on('close', () => abort.abort());
  const code = await dispatch(argv, {
    subject,
    services: deps.services,
    stdin: channel,
    out: (t) => {
      if (!abort.signal.aborted) channel.write(t);
    },
    err: (t) => {
      if (!abort.signal.aborted) channel.stderr.write(t);
    },
    signal: abort.signal,
  });
  finish(channel, code);
}

function finish(channel: ServerChannel, code: number): void {
  if (channel.destroyed) return;
  channel.exit(code);
  channel.end();
}

