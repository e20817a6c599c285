// What the gateway answers itself for a job whose server knows nothing of Racetrack (docker-proxy): the wrapper
// contract's probes, and the gateway's own metrics of that version. Reached only for a version that is running
// (routeCall answers 503 before), so it is live and ready.
import type { ServerResponse } from 'node:http';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { PlatformPath } from './map-proxied-path.js';
import type { RouteState } from './route-state.js';
import type { RoutedCall } from './route-call.js';

const JSON_TYPE = 'application/json';
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

const ANSWERS: Record<PlatformPath, (state: RouteState, metrics: GatewayMetrics) => [type: string, body: string]> = {
  '/live': () => [JSON_TYPE, JSON.stringify({ live: true })],
  '/ready': () => [JSON_TYPE, JSON.stringify({ ready: true })],
  '/health': ({ route }) => [JSON_TYPE, JSON.stringify({
    service: 'job', job_name: route.name, job_version: route.version, status: 'pass', live: true, ready: true, proxy_mode: route.proxyMode,
  })],
  '/metrics': (state, metrics) => [PROMETHEUS_TEXT, metrics.renderVersion(state.metrics)],
};

export function answerPlatformPath(res: ServerResponse, call: RoutedCall, path: PlatformPath, method: string, metrics: GatewayMetrics, started: number): void {
  const [type, body] = ANSWERS[path](call.state, metrics);
  res.writeHead(200, ['content-type', type, 'content-length', String(Buffer.byteLength(body)), 'x-request-tracing-id', call.tracingId]);
  res.end(method === 'HEAD' ? undefined : body);
  call.state.metrics.observe(200, (performance.now() - started) / 1000);
}
