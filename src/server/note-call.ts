// What the server notes of every call the gateway routes to a job: its last call for the store (batched), the
// dashboard's calls per minute, and its calls in flight for the idle stop. The gateway's hot path runs it.
import type { CallHistory } from '../dashboard/index.js';
import type { CallActivity } from '../jobs/index.js';
import type { GatewayOptions } from '../router/index.js';
import type { CallRecorder } from './call-recorder.js';

export function noteCall(recorder: CallRecorder, history: CallHistory, activity: CallActivity): NonNullable<GatewayOptions['onCall']> {
  return (name, version, key) => {
    recorder.record(name, version, key);
    history.record(name, version);
    return activity.started(key);
  };
}
