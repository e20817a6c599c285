// The golang job's image: a builder stage on the operator's Go base image compiles the job with the wrapper (the
// module proxy reaches this stage only), and the image that runs holds the static binary, the job's files, the
// Swagger page's assets and CA certificates — on an empty base, as a non-root user.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError } from '../../core/errors.js';
import type { BuildContext, ImageRecipe } from '../types.js';
import { goproxyPaths, writeMainModule } from './build-golang-job.js';
import { readGoMod } from './read-go-mod.js';
import { swaggerUiFiles, wrapperRuntimeStage } from '../compiled-wrapper.js';

const DEFAULT_BASE_IMAGE = 'golang:1.19-bookworm';
/** where the job's folder is in the builder stage (the generated go.mod points there) */
const JOB_IN_BUILD = '/build/job';

export async function golangImageRecipe(ctx: BuildContext): Promise<ImageRecipe> {
  const goMod = await readGoMod(ctx.jobDir);
  if (!goMod) throw new BadRequestError('go.mod: missing at the job\'s root (a golang job is a Go module whose root package has Perform)');
  const baseImage = ctx.setting('RACETRACK_GOLANG_BASE_IMAGE') ?? DEFAULT_BASE_IMAGE;
  // the generated main module, rewritten for each build of the job
  const main = join(ctx.cacheDir, 'image-main-module');
  rmSync(main, { recursive: true, force: true });
  mkdirSync(main, { recursive: true });
  writeMainModule(main, { dir: ctx.jobDir, location: JOB_IN_BUILD, goMod });

  // file:// proxies travel in the build context; any other proxy is reached from the builder stage
  const goproxy = ctx.setting('RACETRACK_GOPROXY');
  const proxyDirs = goproxyPaths(goproxy);
  const inImage = (path: string) => `/build/goproxy/${proxyDirs.indexOf(path)}`;
  const goproxyInBuild = goproxy?.split(/([,|])/).map((entry) => {
    const path = goproxyPaths(entry)[0];
    return path ? `file://${inImage(path)}` : entry;
  }).join('');
  const gosumdb = ctx.setting('RACETRACK_GOSUMDB');
  const buildArgs = Object.keys(ctx.buildEnv).filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  const env = {
    GOPATH: '/build/gopath', GOCACHE: '/build/cache', GOMODCACHE: '/build/gopath/pkg/mod', GOFLAGS: '-mod=mod', GOENV: 'off',
    GOTOOLCHAIN: 'local', GO111MODULE: 'on', CGO_ENABLED: '0',
    ...(goproxyInBuild ? { GOPROXY: goproxyInBuild } : {}), ...(gosumdb ? { GOSUMDB: gosumdb } : {}),
  };
  // a compile error's lines name the job's files as the user wrote them
  const build = 'go build -trimpath -ldflags="-s -w" -o /build/racetrack-job . >/build/go-build.log 2>&1 '
    + `|| { sed -e 's#${JOB_IN_BUILD}/##g' -e 's#^\\.\\./job/##' /build/go-build.log; exit 1; }`;
  const lines = [
    `FROM ${baseImage} AS build`,
    `ENV ${Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
    // what every golang job shares comes first, so the engine's layer cache serves it: the standard library compiled
    'RUN go build -trimpath std && install -d -m 1777 /build/tmp',
    ...proxyDirs.map((path) => `COPY goproxy/${proxyDirs.indexOf(path)}/ ${inImage(path)}/`),
    `COPY job/ ${JOB_IN_BUILD}/`,
    'COPY main/ /build/main/',
    'WORKDIR /build/main',
    // build_env and build secrets reach this stage only, as build args; the image that runs has none of them
    ...buildArgs.map((k) => `ARG ${k}`),
    `RUN ${build}`,
    ...wrapperRuntimeStage(ctx.manifest),
  ];
  return {
    dockerfile: lines.join('\n') + '\n',
    files: {
      main,
      ...Object.fromEntries(proxyDirs.map((path, i) => [`goproxy/${i}`, path])),
      ...swaggerUiFiles(),
    },
    baseImages: [baseImage],
    baseImageSetting: 'RACETRACK_GOLANG_BASE_IMAGE',
    buildArgs: Object.fromEntries(buildArgs.map((k) => [k, ctx.buildEnv[k]!])),
  };
}
