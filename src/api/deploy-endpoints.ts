// /deploy: deploy an uploaded folder (a base64 tar.gz build context) through the push pipeline, and follow it.
import { BadRequestError } from '../core/errors.js';
import { deploymentView, newDeploymentId, Reporter, type GitCredentials } from '../build/index.js';
import { parseJobName } from '../manifest/index.js';
import type { Endpoint } from './endpoint.js';

/** base64 makes a 48 MiB archive 64 MiB */
const MAX_DEPLOY_BODY = 64 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `git_credentials`: {username, password} for this one fetch; never stored */
function gitCredentials(raw: unknown): GitCredentials | undefined {
  if (raw === undefined || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  for (const key of ['username', 'password'] as const) {
    // the credential helper hands them to git line by line: a control character could add fields
    if (typeof c[key] !== 'string' || !c[key] || /[\x00-\x1f\x7f]/.test(c[key] as string) || (c[key] as string).length > 4096) {
      throw new BadRequestError(`git_credentials.${key}: expected a non-empty string without control characters`);
    }
  }
  return { username: c.username as string, password: c.password as string };
}

export const deployEndpoints: Endpoint[] = [
  {
    // Answers once job.yaml, permission and version checks passed (202) or the deploy already ended (201);
    // a failure before that is this request's error (400/403/409). Building and starting go on in the background.
    method: 'POST',
    path: '/deploy',
    bodyLimit: MAX_DEPLOY_BODY,
    async handle({ deps, subject, body }) {
      const deployer = subject();
      const { manifest, build_context: context, force, git_credentials: credentials } = await body();
      if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
        throw new BadRequestError('manifest: expected the job.yaml as a JSON object');
      }
      const name = (manifest as Record<string, unknown>).name;
      if (typeof name !== 'string') throw new BadRequestError('manifest: name: is required');
      if (force !== undefined && force !== null && typeof force !== 'boolean') throw new BadRequestError('force: expected true or false');
      const common = { jobName: parseJobName(name), manifest: manifest as Record<string, unknown>, deployer, force: force === true };

      const id = newDeploymentId();
      let accept!: () => void;
      const accepted = new Promise<boolean>((resolve) => (accept = () => resolve(false)));
      let done: Promise<unknown>;
      if (context === undefined || context === null) {
        // Racetrack's own flow: the server fetches git.remote
        if (!(manifest as { git?: { remote?: unknown } }).git?.remote) {
          throw new BadRequestError('build_context: required unless manifest.git.remote names a repository the server fetches (or deploy with git push)');
        }
        done = deps.deployRemote({ ...common, credentials: gitCredentials(credentials), deploymentId: id, onAccepted: accept }, new Reporter());
      } else {
        if (typeof context !== 'string' || !context) throw new BadRequestError('build_context: expected a base64 tar.gz of the job\'s folder');
        const compact = context.replace(/\s+/g, '');
        if (!BASE64.test(compact)) throw new BadRequestError('build_context: not base64');
        done = deps.deployArchive({ ...common, archive: Buffer.from(compact, 'base64'), deploymentId: id, onAccepted: accept }, new Reporter());
      }
      // a failure after acceptance is the deployment's status and log (GET /deploy/ID), not this request's
      const finished = await Promise.race([accepted, done.then(() => true)]);
      return { status: finished ? 201 : 202, body: { id } };
    },
  },
  {
    method: 'GET',
    path: '/deploy',
    handle({ deps, subject }) {
      return { body: deps.services.deploys.list(subject()).map(deploymentView) };
    },
  },
  {
    method: 'GET',
    path: '/deploy/:id',
    handle({ deps: { services }, subject, params }) {
      const { deployment, log } = services.deploys.show(subject(), params.id!);
      const view = { ...deploymentView(deployment), log };
      const version = deployment.status === 'done' && deployment.version
        ? services.jobs.versionsOf(deployment.jobName).find((v) => v.version === deployment.version)
        : undefined;
      return { body: version ? { ...view, job: services.jobs.view(version) } : view };
    },
  },
];
