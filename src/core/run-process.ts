// Runs a program with an argument array (never a shell string), streaming its output, failing on non-zero exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { RtError } from './errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  onOutput?: (chunk: string) => void;
  /** what to call the step in the error, e.g. 'pip install' */
  what?: string;
}

/** Resolves with stdout; rejects with an RtError naming the step and the last output lines. */
export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // a child that exits without reading its input is not our error
  child.stdin.end(opts.input);
  return processOutcome(child, cmd, opts);
}

/** The same for a process started elsewhere (with piped stdout and stderr). */
export function processOutcome(child: ChildProcess, cmd: string, opts: Pick<RunOptions, 'onOutput' | 'what'> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let tail = '';
    const keepTail = (s: string) => {
      tail = (tail + s).slice(-2000);
      opts.onOutput?.(s);
    };
    child.stdout!.on('data', (b: Buffer) => {
      out.push(b);
      if (opts.onOutput) keepTail(b.toString());
    });
    child.stderr!.on('data', (b: Buffer) => keepTail(b.toString()));
    child.on('error', (e) => reject(new RtError(`${opts.what ?? cmd}: could not start ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString());
      const lastLines = tail.trim().split('\n').slice(-10);
      reject(new RtError(`${opts.what ?? cmd} failed (${signal ?? `exit code ${code}`})`, { details: lastLines }));
    });
  });
}
