// Splits a jobtype reference (NAME, NAME:latest, NAME:x.y.z) into the job type's name and version.
import { BadRequestError } from '../core/errors.js';
import { isJobVersion } from './is-job-version.js';
import { quote } from './quote.js';

const JOBTYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** 'python3' and 'python3:latest' → version 'latest'. Throws BadRequestError for anything else malformed. */
export function parseJobtype(jobtype: string): { name: string; version: string } {
  const colon = jobtype.indexOf(':');
  const name = colon < 0 ? jobtype : jobtype.slice(0, colon);
  const version = colon < 0 ? 'latest' : jobtype.slice(colon + 1);
  if (!JOBTYPE_NAME.test(name) || (version !== 'latest' && !isJobVersion(version))) {
    throw new BadRequestError(`${quote(jobtype)} is not NAME, NAME:latest or NAME:x.y.z`);
  }
  return { name, version };
}
