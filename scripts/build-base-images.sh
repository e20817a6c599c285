#!/usr/bin/env bash
# Builds the docker target's base images without a registry: debootstrap a minimal Debian bookworm with the packages
# an image needs from the Debian archive this machine's apt uses (or $DEBIAN_MIRROR), then `docker import` it under
# the name the job type uses by default, so nothing else needs configuring:
#   python:3.11-slim-bookworm ($RACETRACK_PYTHON3_BASE_IMAGE)     python3, for python3 jobs
#   racetrack/hugo:0.111-bookworm ($RACETRACK_HUGO_BASE_IMAGE)     hugo, the builder stage of hugo jobs
#   racetrack/nginx:bookworm ($RACETRACK_HUGO_RUNTIME_IMAGE)       nginx, what serves a hugo job's files
# Skips an image that already exists (FORCE=1 rebuilds). Unattended; run as root.
set -euo pipefail

PYTHON3_IMAGE=${RACETRACK_PYTHON3_BASE_IMAGE:-python:3.11-slim-bookworm}
HUGO_IMAGE=${RACETRACK_HUGO_BASE_IMAGE:-racetrack/hugo:0.111-bookworm}
NGINX_IMAGE=${RACETRACK_HUGO_RUNTIME_IMAGE:-racetrack/nginx:bookworm}
SUITE=bookworm
# .debs are kept between runs, so a rebuild (FORCE=1, or after the engine lost its images) needs no download
CACHE_DIR=${RACETRACK_DEBOOTSTRAP_CACHE:-/var/cache/racetrack/debootstrap}

# true when IMAGE is to be built (absent, or FORCE=1)
wanted() {
  if [ "${FORCE:-}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; then
    echo "build-base-images: $1 exists"
    return 1
  fi
}
todo=()
for image in "$PYTHON3_IMAGE" "$HUGO_IMAGE" "$NGINX_IMAGE"; do wanted "$image" && todo+=("$image"); done
[ ${#todo[@]} -gt 0 ] || exit 0
command -v debootstrap >/dev/null || { echo "build-base-images: debootstrap is missing (run scripts/start-docker.sh)" >&2; exit 1; }

# The first Debian archive this machine's apt uses (deb822 .sources first, then one-line sources.list); empty when none.
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -n 1 || true)
  echo "$uri"
}
MIRROR=${DEBIAN_MIRROR:-$(debian_mirror)}
if [ -z "$MIRROR" ]; then
  echo "build-base-images: no Debian archive in apt's sources (/etc/apt/sources.list, /etc/apt/sources.list.d); set DEBIAN_MIRROR to the archive's URL" >&2
  exit 1
fi

ROOTFS=
trap 'rm -rf "$ROOTFS"' EXIT
mkdir -p "$CACHE_DIR"

# debootstrap IMAGE with the packages PACKAGES (comma-separated) into $ROOTFS
bootstrap() {
  ROOTFS=$(mktemp -d /var/tmp/rt-base-XXXXXX)
  echo "build-base-images: $1: debootstrap $SUITE with $2 from $MIRROR"
  debootstrap --variant=minbase --cache-dir="$CACHE_DIR" --include="$2" "$SUITE" "$ROOTFS" "$MIRROR" >/dev/null
  echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"
}

# imports $ROOTFS, slimmed (no package lists, caches, docs or man pages; a Dockerfile runs apt-get update first),
# as IMAGE with the docker import changes that follow; then removes it unless KEEP_ROOTFS is set
import_rootfs() {
  local image=$1
  shift
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
  echo "build-base-images: importing as $image"
  tar -C "$ROOTFS" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      "$@" \
      --message "racetrack: debootstrap $SUITE from $MIRROR" \
      - "$image" >/dev/null
  [ -n "${KEEP_ROOTFS:-}" ] && return
  rm -rf "$ROOTFS"
  ROOTFS=
}

if wanted "$PYTHON3_IMAGE" >/dev/null; then
  bootstrap "$PYTHON3_IMAGE" python3,python3-venv,python3-pip,ca-certificates
  # What the official image offers: `python` and `pip` on PATH, and pip allowed to install outside a venv (no PEP 668 marker).
  ln -sf python3 "$ROOTFS/usr/bin/python"
  ln -sf pip3 "$ROOTFS/usr/bin/pip"
  rm -f "$ROOTFS"/usr/lib/python3.*/EXTERNALLY-MANAGED
  import_rootfs "$PYTHON3_IMAGE" --change 'CMD ["python3"]'
  docker run --rm "$PYTHON3_IMAGE" python -c 'import sys, venv; print("build-base-images: ok, python", sys.version.split()[0])'
fi

# hugo's two images come from one debootstrap (the slow part): the builder has hugo, the runtime nginx-light (nginx
# core, what serving files needs) without hugo
want_hugo=$(wanted "$HUGO_IMAGE" >/dev/null && echo 1 || true)
want_nginx=$(wanted "$NGINX_IMAGE" >/dev/null && echo 1 || true)
if [ -n "$want_hugo$want_nginx" ]; then
  bootstrap "$HUGO_IMAGE and $NGINX_IMAGE" hugo,nginx-light,ca-certificates
  # the package's own site is not used: a job's image brings its config (nginx -c)
  rm -rf "$ROOTFS"/etc/nginx/sites-enabled/* "$ROOTFS"/var/www/html
  if [ -n "$want_hugo" ]; then
    KEEP_ROOTFS=1 import_rootfs "$HUGO_IMAGE" --change 'CMD ["hugo", "version"]'
    docker run --rm "$HUGO_IMAGE" sh -c 'echo "build-base-images: ok, $(hugo version | cut -d" " -f1-2)"'
  fi
  if [ -n "$want_nginx" ]; then
    chroot "$ROOTFS" dpkg --purge hugo >/dev/null
    import_rootfs "$NGINX_IMAGE" --change 'CMD ["nginx", "-g", "daemon off;"]'
    docker run --rm "$NGINX_IMAGE" sh -c 'echo "build-base-images: ok, $(nginx -v 2>&1)"'
  fi
fi
