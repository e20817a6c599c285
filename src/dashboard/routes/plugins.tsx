// Admin: plugins through PluginsService, as `ssh rt plugins …` and the API use it (it checks the admin and audits).
import type { Request, Response } from 'express';
import { Router } from 'express';
import busboy from 'busboy';
import { BadRequestError, RtError } from '../../core/errors.js';
import { MAX_PLUGIN_ZIP_BYTES } from '../../plugins/index.js';
import { field, pageOf, requireSubject, sendPage, type DashboardDeps } from '../context.js';
import { PLUGIN_INSTALL_PATH, PluginsPage } from '../views/plugins.js';
import type { Flash } from '../views/admin.js';

export function pluginsRoutes({ services }: DashboardDeps): Router {
  const r = Router();
  const page = (req: Request, res: Response, flash: Flash = {}, status = 200) => {
    services.auth.requireAdmin(requireSubject(res));
    return sendPage(res, <PluginsPage page={pageOf(req, res)} plugins={services.plugins.list()} flash={flash} />, status);
  };
  const refusal = (req: Request, res: Response, e: unknown) => {
    if (e instanceof RtError && e.httpStatus < 500 && e.httpStatus !== 401 && e.httpStatus !== 403) return page(req, res, { error: e.message }, e.httpStatus);
    throw e;
  };

  r.get('/admin/plugins', (req, res) => page(req, res));
  r.post(PLUGIN_INSTALL_PATH, async (req, res) => {
    try {
      const p = await services.plugins.install(requireSubject(res), () => readZipUpload(req));
      return await page(req, res, { done: `installed ${p.category} plugin ${p.name}@${p.version}` });
    } catch (e) {
      return refusal(req, res, e);
    }
  });
  r.post('/admin/plugins/remove', async (req, res) => {
    try {
      const removed = await services.plugins.remove(requireSubject(res), field(req, 'name'), field(req, 'version') || undefined);
      return await page(req, res, { done: `removed plugin ${removed.map((x) => `${x.name}@${x.version}`).join(', ')}` });
    } catch (e) {
      return refusal(req, res, e);
    }
  });
  return r;
}

/** The one file of a multipart form, refused past MAX_PLUGIN_ZIP_BYTES (busboy parses; the listener bounds pauses). */
function readZipUpload(req: Request): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: MAX_PLUGIN_ZIP_BYTES, fields: 0, parts: 1 } });
    } catch {
      return reject(new BadRequestError('zip: expected a multipart/form-data upload'));
    }
    let zip: Buffer | undefined;
    parser.on('file', (_name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(new BadRequestError(`zip: larger than ${MAX_PLUGIN_ZIP_BYTES / 1024 / 1024} MiB`)));
      stream.on('close', () => (zip = Buffer.concat(chunks)));
    });
    parser.on('error', (e: Error) => reject(new BadRequestError(`zip: ${e.message}`)));
    parser.on('close', () => (zip ? resolve(zip) : reject(new BadRequestError('zip: no file was sent'))));
    req.pipe(parser);
  });
}
