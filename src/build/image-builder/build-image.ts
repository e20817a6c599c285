// Builds a job's image from its job type's recipe, or reuses the one with the same content digest; the engine's
// output streams into the push. Build steps run on the job network, given only the build args the recipe declares.
import { rmSync } from 'node:fs';
import type Docker from 'dockerode';
import type { BuildContext, ImageRecipe } from '../../jobtypes/index.js';
import { resourceName } from '../../manifest/index.js';
import { BadRequestError, RtError } from '../../core/errors.js';
import { readJsonLines } from '../../core/read-json-lines.js';
import { LABEL, type DockerEngine } from '../../deploy/docker/index.js';
import { ImageContext } from './image-context.js';

export interface JobImage {
  /** repository:tag, e.g. racetrack-job/adder-5b1c0e0a1fd2c4e2:3f9a0c1d2e4b5a69 */
  image: string;
  /** the one port the image EXPOSEs: where the job listens inside its container */
  port: number;
  reused: boolean;
}

/** a job's images are IMAGE_REPOSITORY_PREFIX + its resource name, labelled with its exact name and the server that built them */
export const IMAGE_REPOSITORY_PREFIX = 'racetrack-job/';
/** the legacy builder's bookkeeping, noise in a push */
const ANSI_ESCAPES = /\x1b\[[0-9;]*[A-Za-z]/g;
/**
 * Also the ids and names of the images a build makes: any user who may read a job reads its deploy log, and an image
 * named there could be another job's base (checked in ensureBaseImage, but no name is handed out either).
 */
const BUILDER_NOISE = /^( ---> Running in [0-9a-f]+|Removing intermediate container [0-9a-f]+| ---> [0-9a-f]{12,64}|Successfully built [0-9a-f]+|Successfully tagged \S+)$/;
/** a base named by image id rather than repository[:tag] or @digest: ids of other builds' layers would do */
const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/i;

export async function buildImage(engine: DockerEngine, recipe: ImageRecipe, ctx: BuildContext, jobType: string): Promise<JobImage> {
  const { docker, owner } = engine;
  const jobName = ctx.manifest.name;
  const baseIds: string[] = [];
  for (const base of recipe.baseImages) baseIds.push(await ensureBaseImage(docker, base, recipe.baseImageSetting, ctx));
  const context = ImageContext.collect(ctx.jobDir, recipe);
  const buildArgs = recipe.buildArgs;
  // the exact job name and the server are inputs: equal content pushed as two jobs, or to two servers sharing the
  // engine, makes two images, each pruned with its own job by its own server
  const digest = context.digest(jobName, owner, jobType, ...baseIds, JSON.stringify(Object.entries(buildArgs).sort()));
  const image = `${IMAGE_REPOSITORY_PREFIX}${resourceName(jobName)}:${digest.slice(0, 16)}`;

  const existing = await inspectImage(docker, image);
  if (existing) {
    ctx.reporter.info('the job\'s image is already built from this content: reusing it');
    return { image, port: recipe.jobDockerfile?.port ?? exposedPort(image, existing), reused: true };
  }
  ctx.reporter.info(`building the job's image from ${recipe.baseImages.join(', ')}`);
  const network = await engine.jobNetwork();
  const staged = context.stage();
  try {
    const stream = await docker.buildImage({ context: staged.dir, src: staged.entries }, {
      t: image,
      dockerfile: staged.dockerfile,
      buildargs: buildArgs,
      labels: { [LABEL.job]: jobName, [LABEL.owner]: owner },
      // RUN steps reach the network (pip, apt) but no job's container, nor another build's
      networkmode: network.id,
      rm: true,
      forcerm: true,
    });
    await followBuild(stream, (line) => ctx.reporter.output(line));
  } finally {
    rmSync(staged.dir, { recursive: true, force: true });
  }
  const built = await inspectImage(docker, image);
  if (!built) throw new RtError(`image build finished without producing ${image}`);
  // a job's own image may EXPOSE several ports (its base's too): its job type names the one it listens on
  return { image, port: recipe.jobDockerfile?.port ?? exposedPort(image, built), reused: false };
}

/**
 * The base's image id, pulled when the engine lacks it (failing that, one line on how to make it available). A base
 * must not be another job's image (nor a layer of one, named by id): a user who may deploy would otherwise read any
 * job's files by building on its image.
 */
async function ensureBaseImage(docker: Docker, baseImage: string, setting: string | undefined, ctx: BuildContext): Promise<string> {
  if (IMAGE_ID.test(baseImage)) throw new BadRequestError(`base image ${baseImage}: name it by repository[:tag] or @digest, not by image id`);
  const present = await inspectImage(docker, baseImage);
  if (present) return notAJobImage(baseImage, present).Id;
  ctx.reporter.info(`base image ${baseImage} is not on the Docker engine: pulling it`);
  try {
    const stream = await docker.pull(baseImage);
    for await (const event of readJsonLines(stream)) {
      if (event.error) throw new Error(String(event.error));
    }
  } catch (e) {
    throw new RtError(
      `base image ${baseImage} is missing and cannot be pulled: build it with scripts/build-base-images.sh${setting ? ` or set ${setting} to an image the engine has` : ''}`,
      { code: 'base_image_missing', details: [`pull failed: ${(e as Error).message.split('\n')[0]}`] },
    );
  }
  const pulled = await inspectImage(docker, baseImage);
  if (!pulled) throw new RtError(`base image ${baseImage} was pulled but the engine does not list it`);
  return notAJobImage(baseImage, pulled).Id;
}

function notAJobImage(baseImage: string, image: Docker.ImageInspectInfo): Docker.ImageInspectInfo {
  if (image.Config?.Labels?.[LABEL.job] !== undefined) {
    throw new BadRequestError(`base image ${baseImage}: a job's image cannot be the base of another build`);
  }
  return image;
}

/** passes the builder's output on line by line; its error (a failing RUN step…) rejects the push */
async function followBuild(stream: NodeJS.ReadableStream, output: (line: string) => void): Promise<void> {
  let partial = '';
  const flush = (text: string) => {
    partial += text.replace(ANSI_ESCAPES, '');
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const raw of lines) {
      const line = raw.split('\r').filter((s) => s.trim()).pop()?.trimEnd(); // apt and pip redraw progress with \r: keep the last
      if (line && !BUILDER_NOISE.test(line)) output(line);
    }
  };
  for await (const event of readJsonLines(stream)) {
    if (typeof event.stream === 'string') flush(event.stream);
    else if (typeof event.status === 'string') flush(`${event.status}\n`);
    if (event.error) {
      flush('\n');
      throw new BadRequestError(`image build failed: ${String(event.error).trim().split('\n')[0]}`);
    }
  }
  flush('\n');
}

async function inspectImage(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(name).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

function exposedPort(image: string, info: Docker.ImageInspectInfo): number {
  const ports = Object.keys(info.Config.ExposedPorts ?? {}).filter((p) => p.endsWith('/tcp'));
  if (ports.length !== 1) throw new RtError(`image ${image} must EXPOSE exactly one TCP port (the job type's Dockerfile exposes ${ports.length})`);
  return Number.parseInt(ports[0]!, 10);
}
