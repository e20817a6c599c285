// AsyncTaskStore kept in a Map: the test fake, and a fallback when nothing needs to survive a restart.
// Tasks are replaced, never mutated, so the shallow copies handed out stay consistent.
import type { AsyncTask, AsyncTaskResult, AsyncTaskStore } from './types.js';

export class InMemoryAsyncTaskStore implements AsyncTaskStore {
  #tasks = new Map<string, AsyncTask>();
  /** Pollers waiting for a task to finish. */
  #waiters = new Map<string, Set<() => void>>();

  async create(task: AsyncTask): Promise<void> {
    this.#tasks.set(task.id, { ...task });
  }

  async complete(id: string, result: AsyncTaskResult): Promise<void> {
    this.#finish(id, { status: 'done', result });
  }

  async fail(id: string, error: string): Promise<void> {
    this.#finish(id, { status: 'failed', error });
  }

  async get(id: string): Promise<AsyncTask | undefined> {
    const task = this.#tasks.get(id);
    return task && { ...task };
  }

  waitFor(id: string, timeoutMs: number): Promise<AsyncTask | undefined> {
    const task = this.#tasks.get(id);
    if (!task || task.status !== 'ongoing' || timeoutMs <= 0) return this.get(id);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(id);
        resolve(this.get(id));
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }

  async listOngoing(): Promise<AsyncTask[]> {
    return [...this.#tasks.values()].filter((t) => t.status === 'ongoing').map((t) => ({ ...t }));
  }

  #finish(id: string, change: Pick<AsyncTask, 'status' | 'result' | 'error'>): void {
    const task = this.#tasks.get(id);
    if (!task || task.status !== 'ongoing') return;
    this.#tasks.set(id, { ...task, ...change, finishedAt: Date.now() });
    for (const wake of [...(this.#waiters.get(id) ?? [])]) wake();
  }
}
