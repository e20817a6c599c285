// The rust job's image: a builder stage on the operator's Rust base image compiles the wrapper library and the
// crates once (a layer every rust job shares), then the job; the crate sources reach this stage only. The image
// that runs holds the static binary, the job's files, the Swagger page's assets and CA certificates — on an empty
// base, as a non-root user.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext, ImageRecipe } from '../types.js';
import { swaggerUiFiles, wrapperRuntimeStage } from '../compiled-wrapper.js';
import { checkRustJob, crateManifest, RUST_WRAPPER_DIR } from './build-rust-job.js';
import { cargoConfig, relocateCargoConfig } from './cargo-config.js';

const DEFAULT_BASE_IMAGE = 'rust:1.63-slim-bookworm';
const CRATE = 'racetrack-job';
/** what the shared layer compiles in place of the job: the wrapper and the crates are then built */
const STUB_HANDLER = 'use serde_json::Value;\nuse std::collections::HashMap;\n\npub fn perform(_input: HashMap<String, Value>) -> Value {\n    Value::Null\n}\n';

export function rustImageRecipe(ctx: BuildContext): ImageRecipe {
  checkRustJob(ctx.jobDir);
  const baseImage = ctx.setting('RACETRACK_RUST_BASE_IMAGE') ?? DEFAULT_BASE_IMAGE;
  const cargoHome = ctx.setting('RACETRACK_CARGO_HOME');
  const config = cargoHome ? cargoConfig(cargoHome) : undefined;
  const inImage = (path: string) => `/build/cargo-sources/${config!.paths.indexOf(path)}`;

  // the generated crate with a stub handler, rewritten for each build of the job
  const crate = join(ctx.cacheDir, 'image-crate');
  rmSync(crate, { recursive: true, force: true });
  mkdirSync(join(crate, 'src', 'handler'), { recursive: true });
  writeFileSync(join(crate, 'Cargo.toml'), crateManifest(CRATE, '/build/wrapper'));
  writeFileSync(join(crate, 'src', 'main.rs'), readFileSync(join(RUST_WRAPPER_DIR, 'job-main.rs')));
  writeFileSync(join(crate, 'src', 'handler', 'mod.rs'), STUB_HANDLER);
  if (config) {
    mkdirSync(join(crate, '.cargo'));
    writeFileSync(join(crate, '.cargo', 'config.toml'), relocateCargoConfig(config, inImage));
  }

  const buildArgs = Object.keys(ctx.buildEnv).filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  // glibc linked in (crt-static) so the binary runs on an empty base; --target keeps that flag off build scripts
  const cargo = 'cargo build --release --target "$(rustc -vV | sed -n "s/^host: //p")"';
  const lines = [
    `FROM ${baseImage} AS build`,
    'ENV CARGO_HOME=/build/cargo-home CARGO_TARGET_DIR=/build/target CARGO_TERM_COLOR=never RUSTFLAGS="-C target-feature=+crt-static"',
    ...(config?.paths ?? []).map((path) => `COPY cargo-sources/${config!.paths.indexOf(path)}/ ${inImage(path)}/`),
    'COPY wrapper/ /build/wrapper/',
    'COPY crate/ /build/crate/',
    'WORKDIR /build/crate',
    // what every rust job shares comes first, so the engine's layer cache serves it: the wrapper and crates compiled
    `RUN ${cargo} && install -d -m 1777 /build/tmp`,
    'COPY job/ /build/crate/src/handler/',
    // build_env and build secrets reach this stage only, as build args; the image that runs has none of them
    ...buildArgs.map((k) => `ARG ${k}`),
    // touched, so cargo never takes the stub's build for the job's; a compile error names the job's files
    `RUN touch src/main.rs && { ${cargo} >/build/cargo.log 2>&1 || { sed -e 's#src/handler/##g' /build/cargo.log; exit 1; }; } `
      + '&& cp /build/target/*/release/racetrack-job /build/racetrack-job',
    ...wrapperRuntimeStage(ctx.manifest),
  ];
  return {
    dockerfile: lines.join('\n') + '\n',
    files: {
      crate,
      'wrapper/Cargo.toml': join(RUST_WRAPPER_DIR, 'Cargo.toml'),
      'wrapper/src': join(RUST_WRAPPER_DIR, 'src'),
      ...Object.fromEntries((config?.paths ?? []).map((path, i) => [`cargo-sources/${i}`, path])),
      ...swaggerUiFiles(),
    },
    baseImages: [baseImage],
    baseImageSetting: 'RACETRACK_RUST_BASE_IMAGE',
    buildArgs: Object.fromEntries(buildArgs.map((k) => [k, ctx.buildEnv[k]!])),
  };
}
