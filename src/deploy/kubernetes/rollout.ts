// Whether a version's rollout is done or failed, read from the Deployment and its pods as the informers hold them.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';

/** waiting reasons that do not heal by waiting longer */
const FAILING_REASONS = new Set(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export function rolledOut(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status;
  return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (s?.updatedReplicas ?? 0) >= want && (s?.readyReplicas ?? 0) >= want;
}

/** why the rollout cannot finish: a condition of the Deployment (a quota, a deadline) or a failing pod */
export function rolloutFailure(d: V1Deployment, pods: V1Pod[]): { cause: string; pod?: string } | undefined {
  for (const c of d.status?.conditions ?? []) {
    if (c.type === 'ReplicaFailure' && c.status === 'True') return { cause: `${c.reason ?? 'ReplicaFailure'}: ${c.message ?? ''}`.trim() };
    if (c.type === 'Progressing' && c.status === 'False') return { cause: `${c.reason ?? 'not progressing'}: ${c.message ?? ''}`.trim() };
  }
  for (const p of pods) {
    const failure = podFailure(p);
    if (failure) return { cause: failure, pod: p.metadata!.name! };
  }
  return undefined;
}

export function podFailure(p: V1Pod): string | undefined {
  for (const s of p.status?.containerStatuses ?? []) {
    const waiting = s.state?.waiting;
    if (waiting?.reason && FAILING_REASONS.has(waiting.reason)) {
      const exit = s.lastState?.terminated?.exitCode;
      return `pod ${p.metadata?.name}: ${waiting.reason}${exit !== undefined ? ` (exit code ${exit}, ${s.restartCount} restarts)` : ''}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
  }
  return undefined;
}

export function podReady(p: V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
