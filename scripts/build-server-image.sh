#!/usr/bin/env bash
# Builds Racetrack's own images for deploy/kubernetes, offline (no image registry, no npm registry):
#   racetrack:VERSION                  the server: this checkout's sources compiled afresh, its production
#                                      node_modules, and the node that runs this script, on racetrack/server-base
#                                      (Debian's git and tini)
#   racetrack-docker-engine:VERSION    the image builder's engine beside it in the pod (Debian's docker.io),
#                                      behind deploy/kubernetes/engine/fence-builds.sh
# VERSION is package.json's. The bases are debootstrapped by scripts/build-base-images.sh from apt's Debian archive.
# Usage: scripts/build-server-image.sh [SERVER_IMAGE [ENGINE_IMAGE]]   (run as root, after `npm ci`)
# Push both where the cluster pulls from and name them in an overlay (docs/kubernetes.md).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "build-server-image: $*" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
server_image=${1:-racetrack:$version}
engine_image=${2:-racetrack-docker-engine:$version}
server_base=${RACETRACK_SERVER_BASE_IMAGE:-racetrack/server-base:bookworm}
engine_base=${RACETRACK_DOCKER_ENGINE_IMAGE:-racetrack/docker-engine:bookworm}
# the uid the server runs as: deploy/kubernetes/deployment.yaml's runAsUser, the owner of the socket's group
uid=10001

node_bin=$(readlink -f "$(command -v node)")
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || fail "node $(node --version) is too old: the server needs Node 20 or newer"
[ -d node_modules/typescript ] && [ -d node_modules/better-sqlite3 ] || fail "node_modules is missing: run npm ci"

RACETRACK_SERVER_BASE_IMAGE=$server_base RACETRACK_DOCKER_ENGINE_IMAGE=$engine_base \
  bash scripts/build-base-images.sh server docker-engine

context=$(mktemp -d /var/tmp/rt-server-image-XXXXXX)
trap 'rm -rf "$context"' EXIT
mkdir "$context/app"
cp -a package.json package-lock.json tsconfig.json tsconfig.build.json bin scripts src node_modules "$context/app/"
# dist/ made here, not taken from the checkout: what the image runs is what the sources say now
(cd "$context/app" && node scripts/build.mjs >/dev/null) || fail "compiling the sources failed (npm run build says why)"
# then only the dependencies the server runs with, from the ones npm ci installed: nothing is downloaded
(cd "$context/app" && rm -rf src scripts tsconfig.json tsconfig.build.json && npm prune --omit=dev --offline --no-audit --no-fund >/dev/null)
cp "$node_bin" "$context/node"
cat >"$context/Dockerfile" <<EOF
FROM $server_base
COPY node /usr/local/bin/node
COPY app /opt/racetrack
RUN ln -s /opt/racetrack/bin/racetrack.js /usr/local/bin/racetrack && mkdir -m 0700 /data && chown $uid:$uid /data
ENV RACETRACK_DATA_DIR=/data RACETRACK_BIND=0.0.0.0 HOME=/data NODE_ENV=production
USER $uid:$uid
EXPOSE 7002 2222
# tini as pid 1: forwards SIGTERM to the server (which drains) and reaps what git leaves behind
ENTRYPOINT ["tini", "--", "node", "/opt/racetrack/bin/racetrack.js"]
CMD ["serve"]
EOF
commit=$(git rev-parse --short HEAD 2>/dev/null || true)
echo "build-server-image: building $server_image (node $(node --version), commit ${commit:-none})"
# the classic builder: it needs no buildx plugin, and finds the base among the engine's images without a registry
built=$(DOCKER_BUILDKIT=0 docker build --quiet --label "io.racetrack.commit=$commit" -t "$server_image" "$context" 2>&1) || fail "docker build failed: $built"
# the image's node runs, and loads the native module built on this machine
docker run --rm --entrypoint node "$server_image" -e 'new (require("/opt/racetrack/node_modules/better-sqlite3"))(":memory:")' ||
  fail "$server_image: its node or better-sqlite3 does not run there (is this machine's node linked to libraries the base lacks?)"
# the engine: Debian's dockerd behind the fence that keeps build steps off the cluster's addresses
mkdir "$context/engine"
cp deploy/kubernetes/engine/fence-builds.sh deploy/kubernetes/engine/start-engine.sh "$context/engine/"
cat >"$context/engine/Dockerfile" <<EOF
FROM $engine_base
COPY fence-builds.sh /usr/local/bin/racetrack-fence-builds
COPY start-engine.sh /usr/local/bin/racetrack-engine
ENTRYPOINT ["racetrack-engine"]
EOF
echo "build-server-image: building $engine_image"
built=$(DOCKER_BUILDKIT=0 docker build --quiet --label "io.racetrack.commit=$commit" -t "$engine_image" "$context/engine" 2>&1) || fail "docker build of $engine_image failed: $built"
echo "build-server-image: ok, $server_image and $engine_image"
