// The shape of an ssh command: one entry per command, grouped one file per command group.
import type { Readable } from 'node:stream';
import type { Subject } from '../auth/index.js';
import type { Services } from '../services/services.js';

export interface CommandContext {
  /** arguments after the command's name */
  args: string[];
  subject: Subject;
  services: Services;
  stdin: Readable;
  out: (text: string) => void;
  err: (text: string) => void;
  /** aborted when the client hangs up */
  signal: AbortSignal;
}

export interface SshCommand {
  /** e.g. 'jobs list' */
  name: string;
  summary: string;
  /** the argument part of the usage line, e.g. '[--all] [--json]' */
  usage: string;
  /** longer help for `COMMAND --help` */
  help?: string;
  /** returns the exit code (0 when omitted) */
  run(ctx: CommandContext): Promise<number | void>;
}
