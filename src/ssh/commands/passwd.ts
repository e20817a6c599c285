// `passwd`: set your own dashboard password, read from stdin (printf '%s\n' "$PW" | ssh rt passwd).
import type { Readable } from 'node:stream';
import type { SshCommand } from '../types.js';
import { parseFlags } from '../parse-flags.js';
import { BadRequestError } from '../../core/errors.js';

/** more than any password AccessService accepts: the command stops reading there */
const MAX_STDIN_BYTES = 4096;

export const passwdCommands: SshCommand[] = [
  {
    name: 'passwd',
    summary: 'set your dashboard password, read from stdin (one line)',
    usage: '< password.txt',
    help: 'Reads the first line of stdin as your new dashboard password (8–1024 characters) and logs in to /dashboard/ with it.\n'
      + 'Example: printf \'%s\\n\' "$NEW_PASSWORD" | ssh rt passwd',
    async run({ args, services, out, subject, stdin }) {
      parseFlags(args, {}, { min: 0, max: 0, usage: 'passwd < password.txt' });
      const password = await readFirstLine(stdin);
      if (password === undefined) throw new BadRequestError('password: expected one line on stdin');
      await services.access.setPassword(subject, password);
      out('password set; log in at /dashboard/login\n');
    },
  },
];

/** The first line without its line ending; undefined when stdin ends empty or runs past the limit without one. */
function readFirstLine(stream: Readable): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const done = (value: string | undefined) => {
      stream.removeAllListeners('data');
      resolve(value);
    };
    stream.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const nl = text.indexOf('\n');
      // the client may keep stdin open after the line: stop at it
      if (nl >= 0) return done(text.slice(0, nl).replace(/\r$/, ''));
      if (text.length > MAX_STDIN_BYTES) done(undefined);
    });
    stream.on('end', () => done(text ? text : undefined));
  });
}
