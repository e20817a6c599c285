// The objects one job version is made of: a Secret with its environment, a ClusterIP Service, a NetworkPolicy that
// lets only Racetrack's own pods in, and the Deployment (replicas, requests and limits, probes, a confined container).
import type { V1Deployment, V1NetworkPolicy, V1Probe, V1Secret, V1Service } from '@kubernetes/client-node';
import type { ReadyProbe } from '../../core/wait-ready.js';
import type { InstanceSpec } from '../types.js';
import { instanceAnnotations, instanceLabels, instanceSelector, objectName, ANNOTATION, SERVER_POD_LABELS } from './object-names.js';

export interface JobObjects {
  secret: V1Secret;
  service: V1Service;
  networkPolicy: V1NetworkPolicy;
  deployment: V1Deployment;
}

export interface JobObjectsInput {
  spec: InstanceSpec;
  owner: string;
  /** registry/repository@sha256:… */
  image: string;
  /** where the job listens in its container */
  port: number;
  probe: ReadyProbe;
  /** uid:gid the container runs as (never 0) */
  user: { uid: number; gid: number };
  pullSecret?: string;
  /** pods reach mode: the loopback ports of the replicas' relays */
  relayPorts?: number[];
}

const PORT_NAME = 'http';
/** the Service's port: the gateway calls NAME.NAMESPACE.svc:80 */
export const SERVICE_PORT = 80;
/** a slow __init__ gets STARTUP_PERIOD_S × STARTUP_FAILURES seconds before liveness counts */
const STARTUP_PERIOD_S = 2;
const STARTUP_FAILURES = 90;

export function jobObjects(input: JobObjectsInput): JobObjects {
  const { spec, owner } = input;
  const name = objectName(spec);
  const metadata = {
    name,
    labels: instanceLabels(spec, owner),
    annotations: {
      ...instanceAnnotations(spec),
      ...(input.relayPorts ? { [ANNOTATION.relayPorts]: input.relayPorts.join(',') } : {}),
    },
  };
  const selector = instanceSelector(spec, owner);
  const envNames = Object.keys(spec.env).sort();
  // probes of a server the platform fronts (docker-proxy) know nothing of /live and /ready: a TCP connect is all
  const check = (path: string): V1Probe => (input.probe === 'http' ? { tcpSocket: { port: PORT_NAME } } : { httpGet: { path, port: PORT_NAME } });
  const r = spec.resources;
  const requests = { ...(r.memory_min ? { memory: r.memory_min } : {}), ...(r.cpu_min ? { cpu: r.cpu_min } : {}) };
  const limits = { ...(r.memory_max ? { memory: r.memory_max } : {}), ...(r.cpu_max ? { cpu: r.cpu_max } : {}) };
  return {
    // the whole environment (runtime env, secrets, the job's own token) is in the Secret; the Deployment names keys only
    secret: { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData: { ...spec.env } },
    service: {
      apiVersion: 'v1', kind: 'Service', metadata,
      spec: { type: 'ClusterIP', selector, ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: 'TCP' }] },
    },
    networkPolicy: {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata,
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [{ _from: [{ podSelector: { matchLabels: { ...SERVER_POD_LABELS } } }], ports: [{ port: PORT_NAME, protocol: 'TCP' }] }],
      },
    },
    deployment: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata,
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: metadata.labels, annotations: instanceAnnotations(spec) },
          spec: {
            automountServiceAccountToken: false,
            // no variables naming every other Service of the namespace
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: input.user.uid, runAsGroup: input.user.gid, seccompProfile: { type: 'RuntimeDefault' } },
            ...(input.pullSecret ? { imagePullSecrets: [{ name: input.pullSecret }] } : {}),
            containers: [{
              name: 'job',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: PORT_NAME, containerPort: input.port, protocol: 'TCP' }],
              env: envNames.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } })),
              resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
              readinessProbe: { ...check('/ready'), periodSeconds: 2, failureThreshold: 2 },
              livenessProbe: { ...check('/live'), periodSeconds: 10, failureThreshold: 3 },
              startupProbe: { ...check('/live'), periodSeconds: STARTUP_PERIOD_S, failureThreshold: STARTUP_FAILURES },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, privileged: false },
            }],
          },
        },
      },
    },
  };
}
