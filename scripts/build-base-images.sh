#!/usr/bin/env bash
# Builds the base images of the job types without a registry: debootstrap a minimal Debian bookworm from the Debian
# archive this machine's apt uses (or $DEBIAN_MIRROR), then `docker import` it under the name the job type uses by
# default, so nothing else needs configuring:
#   python3  python:3.11-slim-bookworm  ($RACETRACK_PYTHON3_BASE_IMAGE)  python3, venv, pip
#   golang   golang:1.19-bookworm       ($RACETRACK_GOLANG_BASE_IMAGE)   the builder stage: Debian's golang-go
#   rust     rust:1.63-slim-bookworm    ($RACETRACK_RUST_BASE_IMAGE)     the builder stage: Debian's rustc, cargo, gcc
#   hugo     racetrack/hugo:0.111-bookworm ($RACETRACK_HUGO_BASE_IMAGE) the builder stage of hugo jobs: Debian's hugo
#   nginx    racetrack/nginx:bookworm   ($RACETRACK_HUGO_RUNTIME_IMAGE)  what serves a hugo job's files: nginx-light
# and, for Racetrack's own images (scripts/build-server-image.sh; not built by default):
#   server         racetrack/server-base:bookworm    git and tini, under the server's node and code
#   docker-engine  racetrack/docker-engine:bookworm  Debian's docker.io: the image builder's engine in a cluster
# Usage: scripts/build-base-images.sh [python3|golang|rust|hugo|nginx|server|docker-engine ...]
#        (default: the job types' five)
# Skips an image that already exists (FORCE=1 rebuilds). Unattended; run as root.
set -euo pipefail

SUITE=bookworm
# .debs are kept between runs, so a rebuild (FORCE=1, or after the engine lost its images) needs no download
CACHE_DIR=${RACETRACK_DEBOOTSTRAP_CACHE:-/var/cache/racetrack/debootstrap}

# The first Debian archive this machine's apt uses (deb822 .sources first, then one-line sources.list); empty when none.
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
  echo "$uri"
}

# build_image IMAGE PACKAGES CMD: debootstrap with PACKAGES, `finish_<kind>` adjusts the tree, import as IMAGE
build_image() {
  local kind=$1 image=$2 packages=$3 cmd=$4
  if [ "${FORCE:-}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "build-base-images: $image exists"
    return 0
  fi
  command -v debootstrap >/dev/null || { echo "build-base-images: debootstrap is missing (run scripts/start-docker.sh)" >&2; exit 1; }
  MIRROR=${DEBIAN_MIRROR:-$(debian_mirror)}
  if [ -z "$MIRROR" ]; then
    echo "build-base-images: no Debian archive in apt's sources (/etc/apt/sources.list, /etc/apt/sources.list.d); set DEBIAN_MIRROR to the archive's URL" >&2
    exit 1
  fi
  ROOTFS=$(mktemp -d /var/tmp/rt-base-XXXXXX)
  trap 'rm -rf "$ROOTFS"' EXIT
  mkdir -p "$CACHE_DIR"
  echo "build-base-images: debootstrap $SUITE with $packages from $MIRROR"
  debootstrap --variant=minbase --cache-dir="$CACHE_DIR" --include="$packages" "$SUITE" "$ROOTFS" "$MIRROR" >/dev/null
  "finish_$kind" "$ROOTFS"
  echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"
  # slim: no package lists (a Dockerfile runs apt-get update first), caches, docs or man pages
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
  echo "build-base-images: importing as $image"
  tar -C "$ROOTFS" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change "CMD $cmd" \
      --message "racetrack: debootstrap $SUITE $packages from $MIRROR" \
      - "$image" >/dev/null
  rm -rf "$ROOTFS"
  trap - EXIT
}

# What the official image offers: `python` and `pip` on PATH, and pip allowed to install outside a venv (no PEP 668 marker).
finish_python3() {
  ln -sf python3 "$1/usr/bin/python"
  ln -sf pip3 "$1/usr/bin/pip"
  rm -f "$1"/usr/lib/python3.*/EXTERNALLY-MANAGED
}
finish_golang() { :; }
finish_rust() { :; }
finish_hugo() { :; }
# the package's own site is not used: a job's image brings its config (nginx -c)
finish_nginx() {
  rm -rf "$1"/etc/nginx/sites-enabled/* "$1"/var/www/html
}
finish_server() { :; }
finish_docker-engine() { :; }

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(python3 golang rust hugo nginx)
for kind in "${kinds[@]}"; do
  case $kind in
    python3)
      image=${RACETRACK_PYTHON3_BASE_IMAGE:-python:3.11-slim-bookworm}
      build_image python3 "$image" python3,python3-venv,python3-pip,ca-certificates '["python3"]'
      docker run --rm "$image" python -c 'import sys, venv; print("build-base-images: ok, python", sys.version.split()[0])' ;;
    golang)
      image=${RACETRACK_GOLANG_BASE_IMAGE:-golang:1.19-bookworm}
      build_image golang "$image" golang-go,ca-certificates '["go", "version"]'
      docker run --rm "$image" go version | sed 's/^/build-base-images: ok, /' ;;
    rust)
      image=${RACETRACK_RUST_BASE_IMAGE:-rust:1.63-slim-bookworm}
      # gcc links, libc6-dev also for a static binary (the job's image runs it on an empty base)
      build_image rust "$image" rustc,cargo,gcc,libc6-dev,ca-certificates '["cargo", "--version"]'
      docker run --rm "$image" cargo --version | sed 's/^/build-base-images: ok, /' ;;
    hugo)
      image=${RACETRACK_HUGO_BASE_IMAGE:-racetrack/hugo:0.111-bookworm}
      build_image hugo "$image" hugo,ca-certificates '["hugo", "version"]'
      docker run --rm "$image" sh -c 'echo "build-base-images: ok, $(hugo version | cut -d" " -f1-2)"' ;;
    nginx)
      image=${RACETRACK_HUGO_RUNTIME_IMAGE:-racetrack/nginx:bookworm}
      build_image nginx "$image" nginx-light,ca-certificates '["nginx", "-g", "daemon off;"]'
      docker run --rm "$image" sh -c 'echo "build-base-images: ok, $(nginx -v 2>&1)"' ;;
    server)
      image=${RACETRACK_SERVER_BASE_IMAGE:-racetrack/server-base:bookworm}
      build_image server "$image" git,tini,ca-certificates,libstdc++6 '["git", "--version"]'
      docker run --rm "$image" sh -c 'echo "build-base-images: ok, $(git --version), $(tini --version)"' ;;
    docker-engine)
      image=${RACETRACK_DOCKER_ENGINE_IMAGE:-racetrack/docker-engine:bookworm}
      build_image docker-engine "$image" docker.io,iptables,ca-certificates '["dockerd"]'
      docker run --rm "$image" sh -c 'echo "build-base-images: ok, $(dockerd --version)"' ;;
    *) echo "build-base-images: unknown image kind: $kind (python3, golang, rust, hugo, nginx, server or docker-engine)" >&2; exit 2 ;;
  esac
done
