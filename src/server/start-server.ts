// Wires every capability into one process and starts the HTTP and SSH listeners. The only place that knows them all.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { Settings } from '../config/index.js';
import { createHmac } from 'node:crypto';
import { openDatabase, SqliteAsyncTaskStore, userStore, tokenStore, jobStore, deploymentStore, escStore, secretStore, auditStore, sessionStore } from '../db/index.js';
import { AccessService, AuthService, AuthThrottle, bootstrapAdmin } from '../auth/index.js';
import { AuditLog } from '../audit/index.js';
import { SecretBox, SecretsService } from '../secrets/index.js';
import { TargetRegistry, LocalSandbox, LocalTarget } from '../deploy/index.js';
import { DockerEngine, DockerTarget, dockerAvailable } from '../deploy/docker/index.js';
import { KubernetesTarget, kubernetesSettings } from '../deploy/kubernetes/index.js';
import { JobsService, followLifecycle } from '../jobs/index.js';
import { DeployPipeline, DeploysService, ImageBuilder, PushDeployer, denyAlso, deployFromArchive, deployFromRemote } from '../build/index.js';
import { loadManifest } from '../manifest/index.js';
import { RACETRACK_VERSION } from '../core/version.js';
import { BUILT_IN_PLUGINS, JobTypeRegistry, checkJobTypeModule } from '../jobtypes/index.js';
import { PluginStore, PluginsService } from '../plugins/index.js';
import { createLifecycleApi } from '../api/index.js';
import { PushRegistry, Repos, startHookServer } from '../git-receive/index.js';
import { RouteTable, createGateway } from '../router/index.js';
import { createSshServer } from '../ssh/index.js';
import { CallHistory, Sessions, createDashboard, withSessions } from '../dashboard/index.js';
import { logger } from '../core/log.js';
import { createHttpApp } from './http-app.js';
import { loadServerKey } from './load-server-key.js';
import type { Services } from '../services/services.js';
import { CallRecorder } from './call-recorder.js';
import { noteCall } from './note-call.js';
import { tuneGarbageCollection } from './tune-gc.js';
import { renderStateGauges } from './state-gauges.js';
import { meteredDeployments } from './metered-deployments.js';
import { PlatformMetrics } from '../core/platform-metrics.js';

const log = logger('rt:server');
const VERSION = RACETRACK_VERSION;
const SHUTDOWN_GRACE_MS = 30_000;

export interface RunningServer {
  httpUrl: string;
  sshPort: number;
  services: Services;
  /** set on the first start without RACETRACK_ADMIN_TOKEN */
  generatedAdminToken?: string;
  stop(): Promise<void>;
}

export async function startServer(settings: Settings): Promise<RunningServer> {
  tuneGarbageCollection();
  // the data dir holds keys, tokens and every job's secrets: the server's uid alone may enter it
  for (const dir of ['', 'repos', 'builds', 'logs', 'cache']) mkdirSync(join(settings.dataDir, dir), { recursive: true, mode: 0o700 });
  chmodSync(settings.dataDir, 0o700);
  const db = openDatabase(join(settings.dataDir, 'racetrack.db'));
  const users = userStore(db);
  const store = jobStore(db);
  const metrics = new PlatformMetrics();
  const deployments = meteredDeployments(deploymentStore(db), metrics);
  const tokens = tokenStore(db);
  const serverKey = loadServerKey(settings.dataDir);
  const box = new SecretBox(serverKey);
  const auth = new AuthService(users, tokens, escStore(db), box);
  const audit = new AuditLog(auditStore(db));
  const access = new AccessService(auth, users, tokens, audit);
  const throttle = new AuthThrottle(audit);
  const secrets = new SecretsService(secretStore(db), box, auth);
  const { generatedToken } = await bootstrapAdmin(auth, users, settings);
  const interrupted = deployments.failInterrupted();
  if (interrupted) log.warn({ count: interrupted }, 'deployments interrupted by the last stop were marked failed');

  let httpBase = '';
  const publicUrl = () => settings.publicUrl ?? httpBase;
  // jobs on this machine reach the gateway on loopback, whatever address the listener binds
  const pubUrl = () => `http://127.0.0.1:${port(http)}/pub`;
  const routes = new RouteTable();
  const targets = new TargetRegistry();
  const repos = new Repos(settings.dataDir);
  const jobs: JobsService = new JobsService({
    store, targets, routes, auth,
    onFamilyEnded: (name) => repos.removeUnlessLeased(name),
    pubUrl,
    publicUrl: () => publicUrl(),
    secretsFor: (name) => secrets.values(name, false),
    readyTimeoutMs: settings.readyTimeoutMs,
    audit,
    policy: { idleAfterMs: settings.idleStopAfterMs, keepVersions: settings.keepVersions, rollbackWindowMs: settings.rollbackWindowMs },
    metrics,
  });
  const lifecycle = jobs.lifecycle;
  followLifecycle(routes, lifecycle);
  const sandbox = await LocalSandbox.start({ enabled: settings.localSandbox, uids: settings.localSandboxUids });
  targets.register(new LocalTarget({ dataDir: settings.dataDir, sandbox, pubUrl, onStatus: (ref, state) => lifecycle.onInstanceState(ref, state) }));
  let images: ImageBuilder | undefined;
  if (await dockerAvailable()) {
    const engine = new DockerEngine(settings.dataDir);
    images = new ImageBuilder(engine, settings.dockerImageRetention);
    const bridges = await engine.bridgeSubnets();
    await sandbox.fenceOff(bridges, 'Docker containers');
    // a remote deploy's git must not reach a job's container either, whatever the setting allows
    denyAlso(settings.remoteDeniedNetworks, bridges.map((b) => b.subnet), 'the Docker networks of jobs');
    targets.register(new DockerTarget({
      dataDir: settings.dataDir,
      engine,
      pidsLimit: settings.dockerPidsLimit,
      pubUrl,
      onStatus: (ref, state) => lifecycle.onInstanceState(ref, state),
    }));
    // kubernetes needs the engine too: the shared image builder makes the images it pushes
    const k8s = kubernetesSettings(settings.lookup);
    if ('unavailable' in k8s) log.info({ why: k8s.unavailable }, 'the kubernetes target is not offered');
    else {
      log.info({ kubeconfig: k8s.source, namespace: k8s.namespace, registry: k8s.imageRegistry, reach: k8s.reach }, 'kubernetes target');
      targets.register(new KubernetesTarget({ ...k8s, engine, rolloutTimeoutMs: settings.readyTimeoutMs, onStatus: (ref, state) => lifecycle.onInstanceState(ref, state) }));
    }
  }
  const plugins = new PluginStore({
    builtInRoots: [BUILT_IN_PLUGINS],
    installRoot: join(settings.dataDir, 'plugins'),
    checks: { 'job-type': checkJobTypeModule, infrastructure: () => ['this server has its infrastructure targets built in; infrastructure plugins are not loaded'] },
  });
  await plugins.loadAll();
  const jobTypes = new JobTypeRegistry(plugins);
  if (!targets.names().includes(settings.infra)) {
    log.warn(`RACETRACK_INFRA: "${settings.infra}" is not available on this server (available: ${targets.names().join(', ')}); deploys must name a target`);
  }
  const jobQuota = { maxBytes: settings.maxJobBytes, maxFiles: settings.maxJobFiles };
  const pipeline = new DeployPipeline({
    dataDir: settings.dataDir, defaultInfra: settings.infra, jobQuota,
    jobTypes, images, cacheRoot: join(settings.dataDir, 'cache'), setting: settings.lookup, targetsRunning: (kind) => targets.namesRunning(kind), metrics,
    auth, jobs, jobStore: store, deployments, buildSecretsFor: (name) => secrets.values(name, true), audit, keepDeployLogs: settings.keepDeployLogs,
  });
  const deploys = new DeploysService(deployments, pipeline, jobs, auth, audit, (name) => repos.path(name));
  const pluginsService = new PluginsService({ store: plugins, auth, audit, deployedVersions: () => store.versions() });
  const services: Services = { settings, auth, access, users, jobs, deploys, secrets, audit, plugins: pluginsService, publicUrl };

  const pushes = new PushRegistry();
  const pushDeployer = new PushDeployer(pipeline, jobs, publicUrl);
  pushes.onEnded = (id) => {
    metrics.pushEnded();
    pushDeployer.pushEnded(id);
  };
  const hookServer = await startHookServer(settings.dataDir, pushes, pushDeployer);
  const asyncTasks = new SqliteAsyncTaskStore(db, settings.asyncTaskTtlMs);
  const calls = new CallRecorder((name, version, at) => store.touchLastCall(name, version, at));
  const callHistory = new CallHistory();
  const sessions = new Sessions(sessionStore(db), settings.sessionIdleMs);
  const gateway = createGateway({
    // the dashboard's session cookie is accepted on /pub like a token
    routes, authorizer: withSessions(auth, sessions), authRequired: settings.authRequired, asyncTasks,
    onCall: noteCall(calls, callHistory, lifecycle.activity),
    wake: (name, version) => lifecycle.wake(name, version),
    wakeTimeoutMs: settings.readyTimeoutMs,
    asyncTaskTtlMs: settings.asyncTaskTtlMs,
    asyncMaxTasksPerCaller: settings.asyncMaxTasksPerCaller,
    asyncMaxBytesPerCaller: settings.asyncMaxBytesPerCaller,
    upstreamHeadTimeoutMs: settings.upstreamHeadTimeoutMs,
    upstreamBodyTimeoutMs: settings.upstreamBodyTimeoutMs,
  });
  const familyExists = (name: string) => store.familyExists(name);
  const http = createHttpApp({
    gateway,
    git: { auth, repos, pushes, familyExists, maxPushBytes: settings.maxPushBytes, throttle },
    lifecycle: createLifecycleApi({
      services,
      version: VERSION,
      infrastructureTargets: () => targets.names(),
      deployArchive: (req, reporter) => deployFromArchive({ repos, pipeline, jobs, quota: jobQuota }, req, reporter),
      validateManifest: (text) => {
        const checked = loadManifest(text, {
          path: 'job.yaml', readFile: () => undefined, validateJobtypeExtra: (ref, extra) => jobTypes.validateExtra(ref, extra),
        });
        if (checked.manifest.infrastructure_target) targets.get(checked.manifest.infrastructure_target, 'job.yaml: infrastructure_target');
        return checked;
      },
      deployRemote: (req, reporter) => deployFromRemote({
        repos, pipeline, jobs, quota: jobQuota, cacheRoot: join(settings.dataDir, 'cache', 'remotes'),
        fetchTimeoutMs: settings.fetchTimeoutMs, maxFetchBytes: settings.maxPushBytes, sshKey: settings.remoteSshKey, deniedNetworks: settings.remoteDeniedNetworks,
      }, req, reporter),
      throttle,
    }),
    dashboard: createDashboard({
      services, sessions, throttle, calls: callHistory,
      csrfSecret: createHmac('sha256', serverKey).update('dashboard csrf').digest('base64url'),
    }),
    health: () => ({ service: 'racetrack', status: 'pass', version: VERSION, jobs: store.versions().length }),
    pubUrl,
    metrics: () => gateway.metrics.render() + metrics.render() + renderStateGauges(store, deployments, pushes.size),
    limits: {
      headTimeoutMs: settings.headTimeoutMs,
      body: { idleMs: settings.bodyIdleTimeoutMs, minRate: settings.bodyMinRate },
      connections: { total: settings.maxConnections, perAddress: settings.maxConnectionsPerAddress },
    },
  });
  const ssh = createSshServer(settings.dataDir, { services, auth, repos, pushes, familyExists, maxPushBytes: settings.maxPushBytes, throttle }, {
    authTimeoutMs: settings.sshAuthTimeoutMs,
    connections: { total: settings.maxConnections, perAddress: settings.maxConnectionsPerAddress },
  });

  await listen(http, settings.httpPort, settings.bind);
  httpBase = `http://${hostForUrl(settings.bind)}:${port(http)}`;
  jobs.pruneBuilds(join(settings.dataDir, 'builds'));
  await jobs.restoreAll();
  lifecycle.watchIdle();
  const failedTasks = await gateway.failInterruptedTasks();
  if (failedTasks) log.warn({ count: failedTasks }, 'async calls interrupted by the last stop were marked failed');
  const sshPort = await listenSsh(ssh, settings.sshPort, settings.bind);

  let stopping: Promise<void> | undefined;
  return {
    httpUrl: httpBase,
    sshPort,
    services,
    generatedAdminToken: generatedToken,
    stop: () => (stopping ??= (async () => {
      // stop accepting; in-flight requests and pushes finish (bounded) before the jobs they use are stopped
      const httpClosed = new Promise<void>((r) => http.close(() => r()));
      ssh.close();
      const pushesDone = (async () => {
        while (pushes.size > 0) await new Promise((r) => setTimeout(r, 100));
      })();
      await Promise.race([Promise.all([httpClosed, pushesDone]), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref())]);
      http.closeAllConnections();
      hookServer.close();
      lifecycle.close();
      await gateway.close();
      calls.flush();
      sessions.close();
      asyncTasks.close();
      for (const t of targets.all()) await t.shutdown();
      db.$client.close();
    })()),
  };
}

function port(server: Server): number {
  return (server.address() as AddressInfo | null)?.port ?? 0;
}

function hostForUrl(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return '127.0.0.1';
  return bind.includes(':') ? `[${bind}]` : bind;
}

function listen(server: Server, p: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, host, () => resolve());
  });
}

function listenSsh(server: NetServer, p: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, host, () => resolve((server.address() as AddressInfo).port));
  });
}
