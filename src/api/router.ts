// A tiny method + path router for the API: patterns such as `/job/:name/:version/logs`, parameters URL-decoded.
import { BadRequestError } from '../core/errors.js';

export type Params = Record<string, string>;
export type RouteMatch<H> = { handler: H; params: Params } | { allowed: string[] } | undefined;

export class Router<H> {
  private readonly routes: { method: string; parts: string[]; handler: H }[] = [];

  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The handler and parameters; `{ allowed }` when the path exists for other methods only (405). */
  match(method: string, path: string): RouteMatch<H> {
    const segments = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length ? { allowed } : undefined;
  }
}

function matchParts(parts: string[], segments: string[]): Params | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Params = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decode(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError(`malformed URL segment "${segment}"`);
  }
}
