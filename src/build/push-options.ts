// `git push -o …`: force, infra=TARGET. Anything else rejects the push, naming it.
import { BadRequestError } from '../core/errors.js';

export interface PushOptions {
  force: boolean;
  infra?: string;
}

export function parsePushOptions(options: string[]): PushOptions {
  const result: PushOptions = { force: false };
  for (const opt of options) {
    if (opt === 'force') result.force = true;
    else if (opt.startsWith('infra=') && opt.length > 6) result.infra = opt.slice(6);
    else throw new BadRequestError(`push option "${opt}" is unknown`, ['known push options: -o force, -o infra=local|docker|kubernetes']);
  }
  return result;
}
