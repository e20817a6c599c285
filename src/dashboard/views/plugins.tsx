// Admin: the plugins (built-in and installed), which deployed versions use each; install a zip, remove one.
import type { PluginView } from '../../plugins/index.js';
import { BASE, CsrfField, Layout, Notice, type PageContext } from './layout.js';
import type { Flash } from './admin.js';

export const PLUGIN_INSTALL_PATH = '/admin/plugins/install';

export function PluginsPage({ page, plugins, flash }: { page: PageContext; plugins: PluginView[]; flash: Flash }): JSX.Element {
  return (
    <Layout title="Plugins" page={page}>
      <Notice {...flash} />
      <table class="wide">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Category</th><th scope="col">Source</th><th scope="col">In use by</th><th scope="col">Description</th><th scope="col">Remove</th></tr>
        </thead>
        <tbody>
          {plugins.map((p) => (
            <tr>
              <td safe>{p.name}</td>
              <td safe>{p.version}</td>
              <td safe>{p.category}</td>
              <td>{p.source}</td>
              <td safe>{p.used_by.join(', ') || 'nothing'}</td>
              <td class={p.status === 'skipped' ? 'error' : ''} safe>{p.status === 'skipped' ? `skipped: ${p.error ?? ''}` : p.description}</td>
              <td>
                {p.source === 'installed' && p.status === 'loaded' ? (
                  <form method="post" action={`${BASE}/admin/plugins/remove`} class="inline">
                    <CsrfField csrf={page.csrf} />
                    <input type="hidden" name="name" value={p.name} />
                    <input type="hidden" name="version" value={p.version} />
                    <button type="submit">Remove<span class="visually-hidden" safe>{` ${p.name}@${p.version}`}</span></button>
                  </form>
                ) : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Install a plugin</h2>
      {/* a multipart body is read only once the admin is known: the CSRF token rides in the URL */}
      <form method="post" action={`${BASE}${PLUGIN_INSTALL_PATH}?ticket=${encodeURIComponent(page.csrf)}`} enctype="multipart/form-data" class="row">
        <label for="plugin-zip">Plugin zip (plugin.yaml at its root)</label>
        <input id="plugin-zip" name="zip" type="file" accept=".zip,application/zip" required />
        <button type="submit">Install</button>
      </form>
    </Layout>
  );
}
