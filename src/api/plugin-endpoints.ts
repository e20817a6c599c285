// /plugin…: the plugins, as `ssh rt plugins …` (CONTRACT §11): list; install from a zip body; remove one version
// (or, DELETE /plugin/NAME, every installed version of NAME at once).
import { RtError } from '../core/errors.js';
import { readBoundedBody } from '../core/read-bounded-body.js';
import { MAX_PLUGIN_ZIP_BYTES } from '../plugins/index.js';
import type { Endpoint } from './endpoint.js';

export const pluginEndpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/plugin',
    handle({ deps, subject }) {
      subject();
      return { body: deps.services.plugins.list() };
    },
  },
  {
    // the body is the zip itself (any content type), refused once it passes the bound
    method: 'POST',
    path: '/plugin/upload',
    bodyLimit: MAX_PLUGIN_ZIP_BYTES,
    async handle({ deps, subject, req }) {
      const plugin = await deps.services.plugins.install(subject(), async () => {
        const tooLarge = new RtError(`request body: the plugin zip is larger than ${MAX_PLUGIN_ZIP_BYTES / 1024 / 1024} MiB`, { code: 'too_large', httpStatus: 413 });
        if (Number(req.headers['content-length'] ?? 0) > MAX_PLUGIN_ZIP_BYTES) throw tooLarge;
        const zip = await readBoundedBody(req, MAX_PLUGIN_ZIP_BYTES);
        if (!zip) throw tooLarge;
        return zip;
      });
      return { status: 201, body: plugin };
    },
  },
  {
    method: 'DELETE',
    path: '/plugin/:name/:version',
    async handle({ deps, subject, params }) {
      return { body: { removed: await deps.services.plugins.remove(subject(), params.name!, params.version!) } };
    },
  },
  {
    method: 'DELETE',
    path: '/plugin/:name',
    async handle({ deps, subject, params }) {
      return { body: { removed: await deps.services.plugins.remove(subject(), params.name!) } };
    },
  },
];
