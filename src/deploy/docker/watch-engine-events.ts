// Follows the engine's event stream (filtered), reconnecting when the engine restarts, until closed.
import type Docker from 'dockerode';
import { logger } from '../../core/log.js';
import { readJsonLines } from '../../core/read-json-lines.js';

const log = logger('rt:deploy:docker');
const RECONNECT_MS = 2000;

/** https://docs.docker.com/engine/api/v1.41/#tag/System/operation/SystemEvents */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function watchEngineEvents(docker: Docker, filters: Record<string, string[]>, onEvent: (e: EngineEvent) => void): { close(): void } {
  let closed = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  const follow = async () => {
    try {
      stream = await docker.getEvents({ filters });
      if (closed) return destroy(stream);
      for await (const event of readJsonLines(stream)) onEvent(event as EngineEvent);
    } catch (e) {
      if (!closed) log.warn({ err: (e as Error).message }, 'engine event stream failed; reconnecting');
    }
    if (!closed) timer = setTimeout(() => void follow(), RECONNECT_MS);
  };
  void follow();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (stream) destroy(stream);
    },
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
