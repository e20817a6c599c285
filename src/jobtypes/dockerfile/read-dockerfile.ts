// What the platform reads in a job's own Dockerfile, with Docker's grammar (parser directives, continuations, stages)
// from a kept parser: the base images its FROM lines pull, and which build args it declares.
import { Copy, DockerfileParser, From } from 'dockerfile-ast';

export interface DockerfileFacts {
  /** FROM instructions in the file */
  froms: number;
  /**
   * images FROM lines and `COPY --from` name, in order, without `scratch`, stages, and references a variable left
   * empty: what the build reads besides the job's files
   */
  baseImages: string[];
  /** the entries of buildEnv the Dockerfile declares with ARG: the build args it is given */
  buildArgs: Record<string, string>;
  /** FROM and COPY --from references with `${…}` forms this reading does not expand (`${X:-default}`…), as written */
  unexpanded: string[];
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `buildEnv` is build_env with the build secrets; a declared one overrides its ARG's default in FROM lines, as in Docker. */
export function readDockerfile(text: string, buildEnv: Record<string, string>): DockerfileFacts {
  const df = DockerfileParser.parse(text);
  const declared = new Set(df.getARGs().flatMap((a) => a.getProperties().map((p) => p.getName())));
  const buildArgs = Object.fromEntries(Object.entries(buildEnv).filter(([k]) => declared.has(k)));
  const stages = new Set<string>();
  const baseImages: string[] = [];
  const unexpanded: string[] = [];
  const note = (raw: string, line: number): void => {
    // a variable left unset expands to nothing, in Docker as here: what remains is the image Docker uses
    const image = raw.replace(VARIABLE, (_, braced: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      const value = buildArgs[name] ?? df.resolveVariable(name, line);
      return typeof value === 'string' ? value : '';
    });
    if (image.includes('$')) return void unexpanded.push(raw);
    // stage names are case-insensitive; a stage built FROM an earlier one pulls nothing, nor does COPY --from=0;
    // an empty reference fails the build in Docker
    const known = stages.has(image.toLowerCase()) || image.toLowerCase() === 'scratch' || /^\d+$/.test(image);
    if (image !== '' && !known && !baseImages.includes(image)) baseImages.push(image);
  };
  const froms = df.getFROMs();
  for (const instruction of df.getInstructions()) {
    const line = instruction.getRange().start.line;
    if (instruction instanceof From) {
      const raw = instruction.getImage();
      if (raw) note(raw, line);
      const stage = instruction.getBuildStage();
      if (stage) stages.add(stage.toLowerCase());
    } else if (instruction instanceof Copy) {
      // COPY --from=IMAGE reads another image as much as FROM does
      const from = instruction.getFromFlag()?.getValue();
      if (from) note(from, line);
    }
  }
  return { froms: froms.length, baseImages, buildArgs, unexpanded };
}
