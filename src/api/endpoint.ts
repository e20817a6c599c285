// The shape of an API endpoint and what it is handed; one file per group of endpoints lists them.
import type { IncomingMessage } from 'node:http';
import type { AuthThrottle, Subject } from '../auth/index.js';
import type { ArchiveDeployRequest, DeployOutcome, RemoteDeployRequest, Reporter } from '../build/index.js';
import type { Manifest } from '../manifest/index.js';
import type { Services } from '../services/services.js';

export interface ApiDeps {
  services: Services;
  /** the server's version, for GET /info */
  version: string;
  infrastructureTargets: () => string[];
  deployArchive: (req: ArchiveDeployRequest, reporter: Reporter) => Promise<DeployOutcome>;
  /** job.yaml's text checked as a push would check it (files it names are not looked at); a ManifestError when invalid */
  validateManifest: (text: string) => { manifest: Manifest; warnings: string[] };
  /** deploys from the manifest's git.remote, fetched by the server */
  deployRemote: (req: RemoteDeployRequest, reporter: Reporter) => Promise<DeployOutcome>;
  /** the budget of failed authentications per client address, shared with git and ssh */
  throttle: AuthThrottle;
}

export interface ApiContext {
  req: IncomingMessage;
  /** the path's parameters, URL-decoded */
  params: Record<string, string>;
  query: URLSearchParams;
  deps: ApiDeps;
  /** the caller, from X-Racetrack-Auth or Authorization: Bearer; 401 without a valid token */
  subject(): Subject;
  /** the JSON object body, at most `limit` bytes (64 KiB unless the endpoint says otherwise) */
  body(): Promise<Record<string, unknown>>;
  /** the body's bytes, whatever its content type, at most the endpoint's `bodyLimit` */
  rawBody(): Promise<Buffer>;
  /** aborted when the client goes away */
  signal: AbortSignal;
}

/** JSON `body`, or a plain-text `stream` (logs --follow). */
export type ApiResponse = { status?: number; body: unknown } | { stream: AsyncIterable<string> };

export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** under /lifecycle/api/v1, e.g. '/job/:name/:version' */
  path: string;
  /** largest request body accepted, in bytes */
  bodyLimit?: number;
  /** the 413 answer's message, when "request body larger than …" does not say enough */
  tooLargeMessage?: string;
  handle(ctx: ApiContext): Promise<ApiResponse> | ApiResponse;
}
