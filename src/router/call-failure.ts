// What a call that failed at the job answers, in the pub error shape: 504 when the job did not start
// answering in time, 400 when undici refuses the request as the client made it, else 502.
import type { RouteState } from './route-state.js';

export interface CallFailure {
  status: 400 | 502 | 504;
  body: { error: string; job_name: string; job_version: string; request_id: string };
}

export function callFailure(err: Error, state: RouteState, tracingId: string): CallFailure {
  const code = (err as { code?: string }).code ?? err.name;
  const { name, version } = state.route;
  const job = `job "${name}" version "${version}"`;
  const [status, error]: [CallFailure['status'], string] =
    code === 'UND_ERR_HEADERS_TIMEOUT' ? [504, `${job} did not start answering in time`]
      : code === 'UND_ERR_INVALID_ARG' ? [400, `the request cannot be forwarded: ${err.message}`]
        : [502, `${job} is unreachable: ${code}`];
  return { status, body: { error, job_name: name, job_version: version, request_id: tracingId } };
}
