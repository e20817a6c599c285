// One line for what went wrong talking to the API server: its Status message (403 RBAC, 422 invalid, quota), or why
// no answer came (connection refused, DNS, TLS).
import { ApiException } from '@kubernetes/client-node';

export function apiErrorLine(e: unknown): string {
  if (e instanceof ApiException) {
    const body = e.body as unknown;
    let message: string | undefined;
    try {
      message = (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined))?.message;
    } catch {
      message = typeof body === 'string' ? body : undefined;
    }
    return `${e.code} ${message ?? e.message}`.split('\n')[0]!;
  }
  const err = e as { message?: string; cause?: { message?: string }; code?: string };
  return (err.cause?.message ?? err.message ?? String(e)).split('\n')[0]!;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiException && e.code === 404;
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiException && e.code === 409;
}
