// The infrastructure targets, by the name used in job.yaml, RACETRACK_INFRA and `-o infra=`.
import { BadRequestError } from '../core/errors.js';
import type { InfrastructureTarget } from './types.js';

export class TargetRegistry {
  private readonly targets = new Map<string, InfrastructureTarget>();

  register(target: InfrastructureTarget): void {
    this.targets.set(target.name, target);
  }

  /** @param source where the name came from, named in the error (`infrastructure_target`, `-o infra`, …) */
  get(name: string, source = 'infrastructure_target'): InfrastructureTarget {
    const t = this.targets.get(name);
    if (!t) throw new BadRequestError(`${source}: "${name}" is not available on this server (available: ${this.names().join(', ')})`);
    return t;
  }

  /** the targets that run one kind of artifact (process, image) */
  namesRunning(kind: string): string[] {
    return this.all().filter((t) => t.runs === kind).map((t) => t.name);
  }

  names(): string[] {
    return [...this.targets.keys()];
  }

  all(): InfrastructureTarget[] {
    return [...this.targets.values()];
  }
}
