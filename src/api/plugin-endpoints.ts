// /plugin…: the plugins, as `ssh rt plugins …` (CONTRACT §11): list; install from a zip body; remove one version
// (or, DELETE /plugin/NAME, every installed version of NAME at once).
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
    tooLargeMessage: `request body: the plugin zip is larger than ${MAX_PLUGIN_ZIP_BYTES / 1024 / 1024} MiB`,
    async handle({ deps, subject, rawBody }) {
      const plugin = await deps.services.plugins.install(subject(), rawBody);
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
