// The operator's cargo configuration (RACETRACK_CARGO_HOME/config.toml): its text, and the local folders its
// sources name (`directory = "…"`, `local-registry = "…"`), which a confined build or an image's build stage must see.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { RtError } from '../../core/errors.js';

export interface CargoConfig {
  text: string;
  /** absolute folders of directory and local-registry sources */
  paths: string[];
}

const LOCAL_SOURCE = /^(\s*(?:directory|local-registry)\s*=\s*)"([^"\\]+)"/gm;

export function cargoConfig(cargoHome: string): CargoConfig {
  const file = ['config.toml', 'config'].map((name) => join(cargoHome, name)).find((path) => existsSync(path));
  if (!file) throw new RtError(`RACETRACK_CARGO_HOME: ${cargoHome} has no config.toml (scripts/offline-cargo-source.sh writes one)`);
  const text = readFileSync(file, 'utf8');
  const paths = [...text.matchAll(LOCAL_SOURCE)].map((m) => m[2]!).filter((p) => isAbsolute(p));
  return { text, paths };
}

/** The configuration with each local source's folder replaced by `to(folder)` (its place in an image's build stage). */
export function relocateCargoConfig(config: CargoConfig, to: (path: string) => string): string {
  return config.text.replace(LOCAL_SOURCE, (whole, key: string, path: string) => (isAbsolute(path) ? `${key}${JSON.stringify(to(path))}` : whole));
}
