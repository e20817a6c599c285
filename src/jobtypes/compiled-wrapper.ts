// What the compiled wrappers (golang, rust) share: one command line (--listen-fd or --host/--port, --swagger-ui-dir,
// --home-page), the swagger-ui-dist files their /docs page loads, and the image stage that runs the binary alone.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Manifest } from '../manifest/index.js';
import { LISTEN_FD, type ProcessArtifact } from './types.js';

export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** what /docs loads: copied into an image, beside the binary */
const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];
/** where the job's image listens, and its user: numeric, so the docker target sees it is not root without a passwd */
const CONTAINER_PORT = 7000;
const JOB_UID = 10000;

function homePageArgs(manifest: Manifest): string[] {
  const home = manifest.jobtype_extra.home_page;
  return home === undefined ? [] : ['--home-page', String(home)];
}

/** How the local target runs a compiled job: the binary serves on the socket it inherits. */
export function wrapperProcess(binary: string, jobDir: string, manifest: Manifest): Omit<ProcessArtifact, 'jobType' | 'jobTypeVersion' | 'jobDir'> {
  return {
    kind: 'process',
    command: {
      cmd: binary,
      args: ['--listen-fd', String(LISTEN_FD), '--swagger-ui-dir', SWAGGER_UI_DIR, ...homePageArgs(manifest)],
      cwd: jobDir,
      env: {},
      readOnlyPaths: [SWAGGER_UI_DIR],
    },
  };
}

/**
 * The image's last stage: the static binary a `build` stage left at /build/racetrack-job (and a /build/tmp for /tmp),
 * on an empty base, as the job's user. The build context holds the job as `job/` and what `swaggerUiFiles` names.
 */
export function wrapperRuntimeStage(manifest: Manifest): string[] {
  const cmd = ['/racetrack-job', '--host', '0.0.0.0', '--port', String(CONTAINER_PORT), '--swagger-ui-dir', '/swagger-ui', ...homePageArgs(manifest)];
  return [
    'FROM scratch',
    'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
    'COPY --from=build /build/tmp /tmp',
    'COPY swagger-ui/ /swagger-ui/',
    'COPY job/ /job/',
    'COPY --from=build /build/racetrack-job /racetrack-job',
    'WORKDIR /job',
    `EXPOSE ${CONTAINER_PORT}`,
    `USER ${JOB_UID}:${JOB_UID}`,
    `CMD ${JSON.stringify(cmd)}`,
  ];
}

/** build context path → server file, for the runtime stage's `COPY swagger-ui/` */
export function swaggerUiFiles(): Record<string, string> {
  return Object.fromEntries(SWAGGER_UI_ASSETS.map((f) => [`swagger-ui/${f}`, join(SWAGGER_UI_DIR, f)]));
}
