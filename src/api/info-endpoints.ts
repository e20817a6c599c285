// /info: what this server is, for clients deciding how to talk to it; no token needed, nothing secret.
import type { Endpoint } from './endpoint.js';

export const infoEndpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/info',
    handle({ deps }) {
      const { settings, publicUrl } = deps.services;
      return {
        body: {
          service: 'racetrack',
          version: deps.version,
          auth_required: settings.authRequired,
          infrastructure_targets: deps.infrastructureTargets(),
          default_infrastructure_target: settings.infra,
          public_url: publicUrl(),
          register_active: settings.registerActive,
        },
      };
    },
  },
];
