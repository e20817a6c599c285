// The gateway's route table follows the version lifecycle: nothing else writes to it.
import type { RouteTable } from '../router/index.js';
import type { VersionEvent, VersionLifecycle } from './version-lifecycle.js';

export function followLifecycle(routes: RouteTable, lifecycle: VersionLifecycle): () => void {
  return lifecycle.subscribe((e: VersionEvent) => {
    if (e.kind === 'routed') routes.upsert(e.route);
    else if (e.kind === 'gone') routes.remove(e.name, e.version);
    else routes.replaceAll(e.routes);
  });
}
