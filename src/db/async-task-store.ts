// Async job calls in SQLite, so a restart does not lose them; pollers wait in memory on this process.
import { eq, lt } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { asyncTasks } from './schema.js';
import type { AsyncTask, AsyncTaskRequest, AsyncTaskResult, AsyncTaskStore, Caller } from '../router/index.js';

type Row = typeof asyncTasks.$inferSelect;

interface StoredPayload {
  status?: number;
  method?: string;
  path?: string;
  headers: [string, string][];
  body: string; // base64
}

const encode = (p: AsyncTaskRequest | AsyncTaskResult): string =>
  JSON.stringify({ ...p, body: p.body.toString('base64') });

function toTask(r: Row): AsyncTask {
  const request = JSON.parse(r.request) as StoredPayload;
  const result = r.result ? (JSON.parse(r.result) as StoredPayload) : undefined;
  return {
    id: r.id,
    jobName: r.jobName,
    jobVersion: r.jobVersion,
    caller: r.caller ? (JSON.parse(r.caller) as Caller) : undefined,
    status: r.status as AsyncTask['status'],
    request: { method: request.method!, path: request.path!, headers: request.headers, body: Buffer.from(request.body, 'base64') },
    result: result && { status: result.status!, headers: result.headers, body: Buffer.from(result.body, 'base64') },
    error: r.error ?? undefined,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt ?? undefined,
  };
}

export class SqliteAsyncTaskStore implements AsyncTaskStore {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly purgeTimer: NodeJS.Timeout;

  /** @param ttlMs how long a task and its result are kept after creation */
  constructor(private readonly db: Db, private readonly ttlMs = 2 * 3600_000) {
    this.purgeTimer = setInterval(() => this.purgeExpired(), 10 * 60_000);
    this.purgeTimer.unref();
  }

  async create(task: AsyncTask): Promise<void> {
    this.db.insert(asyncTasks).values({
      id: task.id,
      status: task.status,
      jobName: task.jobName,
      jobVersion: task.jobVersion,
      caller: task.caller ? JSON.stringify(task.caller) : null,
      request: encode(task.request),
      createdAt: task.createdAt,
      expiresAt: task.createdAt + this.ttlMs,
    }).run();
  }

  async complete(id: string, result: AsyncTaskResult): Promise<void> {
    this.finish(id, { status: 'done', result: encode(result) });
  }

  async fail(id: string, error: string): Promise<void> {
    this.finish(id, { status: 'failed', error });
  }

  async get(id: string): Promise<AsyncTask | undefined> {
    const r = this.db.select().from(asyncTasks).where(eq(asyncTasks.id, id)).get();
    return r && r.expiresAt > Date.now() ? toTask(r) : undefined;
  }

  async waitFor(id: string, timeoutMs: number): Promise<AsyncTask | undefined> {
    const task = await this.get(id);
    if (!task || task.status !== 'ongoing' || timeoutMs <= 0) return task;
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(id);
        resolve(this.get(id));
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  async listOngoing(): Promise<AsyncTask[]> {
    return this.db.select().from(asyncTasks).where(eq(asyncTasks.status, 'ongoing')).all().map(toTask);
  }

  purgeExpired(): number {
    return this.db.delete(asyncTasks).where(lt(asyncTasks.expiresAt, Date.now())).run().changes;
  }

  close(): void {
    clearInterval(this.purgeTimer);
  }

  private finish(id: string, change: { status: 'done' | 'failed'; result?: string; error?: string }): void {
    const r = this.db.select({ status: asyncTasks.status }).from(asyncTasks).where(eq(asyncTasks.id, id)).get();
    if (!r || r.status !== 'ongoing') return;
    this.db.update(asyncTasks).set({ ...change, finishedAt: Date.now() }).where(eq(asyncTasks.id, id)).run();
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }
}
