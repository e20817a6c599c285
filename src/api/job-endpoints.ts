// /job…: what is deployed, one version's details, its runtime and build logs, delete, scale, idle, pin — as `ssh rt jobs …`.
import { BadRequestError } from '../core/errors.js';
import { Reporter } from '../core/reporter.js';
import { parseJobName } from '../manifest/index.js';
import { parseIdleSetting } from '../jobs/index.js';
import type { ApiContext, Endpoint } from './endpoint.js';

const DEFAULT_TAIL = 100;
const MAX_TAIL = 100_000;

export const jobEndpoints: Endpoint[] = [
  {
    method: 'GET',
    path: '/job',
    handle({ deps: { services }, subject }) {
      return { body: services.jobs.list({ all: true, readableBy: subject() }).map((v) => services.jobs.view(v)) };
    },
  },
  {
    method: 'GET',
    path: '/job/:name/:version',
    handle(ctx) {
      const { services } = ctx.deps;
      return { body: services.jobs.view(services.jobs.read(ctx.subject(), jobName(ctx), ctx.params.version)) };
    },
  },
  {
    method: 'DELETE',
    path: '/job/:name/:version',
    async handle(ctx) {
      const name = jobName(ctx);
      const version = ctx.params.version!;
      await ctx.deps.services.jobs.delete(ctx.subject(), name, version);
      return { body: { name, version, deleted: true } };
    },
  },
  {
    // `racetrack move`: redeploy on another target, then the old one goes; answers when done, with the deploy's log
    method: 'POST',
    path: '/job/:name/:version/move',
    async handle(ctx) {
      const { infra } = await ctx.body();
      if (typeof infra !== 'string' || !infra) throw new BadRequestError('infra: expected the name of an infrastructure target');
      let log = '';
      const outcome = await ctx.deps.services.deploys.redeploy(ctx.subject(), jobName(ctx), ctx.params.version!, new Reporter((text) => (log += text)), infra);
      return { body: { name: outcome.name, version: outcome.version, infrastructure_target: infra, deployment_id: outcome.deploymentId, log } };
    },
  },
  {
    // JSON `{logs}` like Racetrack; `follow=true` streams plain text until the client hangs up
    method: 'GET',
    path: '/job/:name/:version/logs',
    async handle(ctx) {
      const who = ctx.subject();
      const tail = tailOf(ctx.query.get('tail'));
      const follow = ctx.query.get('follow') === 'true';
      const lines = ctx.deps.services.jobs.logs(who, jobName(ctx), ctx.params.version, { tail, follow, signal: ctx.signal });
      if (follow) return { stream: withNewlines(lines) };
      let logs = '';
      for await (const line of lines) logs += `${line}\n`;
      return { body: { logs } };
    },
  },
  {
    // {"replicas": N} → the version's view; no rebuild
    method: 'POST',
    path: '/job/:name/:version/scale',
    async handle(ctx) {
      const { replicas } = await ctx.body();
      if (typeof replicas !== 'number') throw new BadRequestError('replicas: expected a whole number');
      const { jobs } = ctx.deps.services;
      return { body: jobs.view(await jobs.scale(ctx.subject(), jobName(ctx), ctx.params.version!, replicas)) };
    },
  },
  {
    // {"after": "15m" | "off" | "default"} → the version's view
    method: 'POST',
    path: '/job/:name/:version/idle',
    async handle(ctx) {
      const { after } = await ctx.body();
      if (typeof after !== 'string') throw new BadRequestError('after: expected a duration such as 15m, or off, or default');
      const { jobs } = ctx.deps.services;
      return { body: jobs.view(await jobs.setIdle(ctx.subject(), jobName(ctx), ctx.params.version!, parseIdleSetting(after, 'after'))) };
    },
  },
  {
    // {"pinned": true | false} → the version's view
    method: 'POST',
    path: '/job/:name/:version/pin',
    async handle(ctx) {
      const { pinned } = await ctx.body();
      if (typeof pinned !== 'boolean') throw new BadRequestError('pinned: expected true or false');
      const { jobs } = ctx.deps.services;
      return { body: jobs.view(await jobs.pin(ctx.subject(), jobName(ctx), ctx.params.version!, pinned)) };
    },
  },
  {
    method: 'GET',
    path: '/job/:name/:version/build-logs',
    handle(ctx) {
      return { body: { logs: ctx.deps.services.deploys.buildLog(ctx.subject(), jobName(ctx), ctx.params.version) } };
    },
  },
];

function jobName(ctx: ApiContext): string {
  return parseJobName(ctx.params.name!);
}

function tailOf(raw: string | null): number {
  if (raw === null) return DEFAULT_TAIL;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_TAIL) throw new BadRequestError(`tail: "${raw}" is not a whole number up to ${MAX_TAIL}`);
  return n;
}

async function* withNewlines(lines: AsyncIterable<string>): AsyncIterable<string> {
  for await (const line of lines) yield `${line}\n`;
}
