// The deployment store, timing what it records: each phase a deployment passes through and the whole deployment
// become platform metrics. The pipeline stores every phase change here already, so it needs no hooks of its own.
import type { DeploymentStore } from '../db/index.js';
import type { PlatformMetrics } from '../core/platform-metrics.js';

interface Timing {
  startedAt: number;
  phase: string;
  phaseStartedAt: number;
}

export function meteredDeployments(store: DeploymentStore, metrics: PlatformMetrics, now: () => number = performance.now.bind(performance)): DeploymentStore {
  const running = new Map<string, Timing>();
  return {
    ...store,
    create(d) {
      const created = store.create(d);
      const at = now();
      running.set(created.id, { startedAt: at, phase: created.phase, phaseStartedAt: at });
      return created;
    },
    update(id, fields) {
      store.update(id, fields);
      const t = running.get(id);
      if (!t || fields.phase === undefined || fields.phase === t.phase) return;
      const at = now();
      metrics.deployPhase(t.phase, 'done', (at - t.phaseStartedAt) / 1000);
      t.phase = fields.phase;
      t.phaseStartedAt = at;
    },
    finish(id, status, error) {
      store.finish(id, status, error);
      const t = running.get(id);
      if (!t) return;
      running.delete(id);
      const at = now();
      metrics.deployPhase(t.phase, status, (at - t.phaseStartedAt) / 1000);
      metrics.deployFinished(status, (at - t.startedAt) / 1000);
    },
  };
}
