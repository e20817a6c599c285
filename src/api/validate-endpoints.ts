// POST /validate: the server's verdict on a job.yaml (the installed job types check jobtype_extra); nothing is
// deployed. `racetrack validate` calls it.
import { BadRequestError } from '../core/errors.js';
import type { Endpoint } from './endpoint.js';

export const validateEndpoints: Endpoint[] = [
  {
    method: 'POST',
    path: '/validate',
    bodyLimit: 1024 * 1024,
    async handle({ deps, subject, body }) {
      subject();
      const { manifest } = await body();
      if (typeof manifest !== 'string') throw new BadRequestError('manifest: expected the text of job.yaml');
      const { manifest: checked, warnings } = deps.validateManifest(manifest);
      return { body: { valid: true, name: checked.name, version: checked.version, jobtype: checked.jobtype, warnings } };
    },
  },
];
