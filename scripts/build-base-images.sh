#!/usr/bin/env bash
# Builds the docker target's base images without a registry: debootstrap a minimal Debian bookworm with python3
# from the Debian archive this machine's apt uses (or $DEBIAN_MIRROR), then `docker import` it under the name the
# target uses by default (python:3.11-slim-bookworm, or $RACETRACK_PYTHON3_BASE_IMAGE), so nothing else needs
# configuring. Skips an image that already exists (FORCE=1 rebuilds). Unattended; run as root.
set -euo pipefail

IMAGE=${RACETRACK_PYTHON3_BASE_IMAGE:-python:3.11-slim-bookworm}
SUITE=bookworm
# .debs are kept between runs, so a rebuild (FORCE=1, or after the engine lost its images) needs no download
CACHE_DIR=${RACETRACK_DEBOOTSTRAP_CACHE:-/var/cache/racetrack/debootstrap}

if [ "${FORCE:-}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "build-base-images: $IMAGE exists"
  exit 0
fi
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

ROOTFS=$(mktemp -d /var/tmp/rt-base-XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
mkdir -p "$CACHE_DIR"

echo "build-base-images: debootstrap $SUITE from $MIRROR"
debootstrap --variant=minbase --cache-dir="$CACHE_DIR" \
  --include=python3,python3-venv,python3-pip,ca-certificates \
  "$SUITE" "$ROOTFS" "$MIRROR" >/dev/null

# What the official image offers: `python` and `pip` on PATH, and pip allowed to install outside a venv (no PEP 668 marker).
ln -sf python3 "$ROOTFS/usr/bin/python"
ln -sf pip3 "$ROOTFS/usr/bin/pip"
rm -f "$ROOTFS"/usr/lib/python3.*/EXTERNALLY-MANAGED
echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"
# slim: no package lists (a Dockerfile runs apt-get update first), caches, docs or man pages
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*

echo "build-base-images: importing as $IMAGE"
tar -C "$ROOTFS" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    --message "racetrack: debootstrap $SUITE python3 from $MIRROR" \
    - "$IMAGE" >/dev/null
docker run --rm "$IMAGE" python -c 'import sys, venv; print("build-base-images: ok, python", sys.version.split()[0])'
