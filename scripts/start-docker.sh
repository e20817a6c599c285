#!/usr/bin/env bash
# Makes a Docker engine answer on this machine: installs docker.io and debootstrap when absent and starts
# dockerd in the background when no engine answers (no systemd needed). Idempotent; run as root.
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "start-docker: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if engine_answers; then
  echo "start-docker: engine already answers"
  exit 0
fi

# A remote engine (DOCKER_HOST=tcp://…, ssh://…) is not ours to start.
case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
  unix:///var/run/docker.sock) ;;
  *) echo "start-docker: DOCKER_HOST=$DOCKER_HOST does not answer and is not the local engine" >&2; exit 1 ;;
esac

# A dockerd killed uncleanly leaves its pid file behind, and a new one refuses to start over it.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
if ! [ -f /var/run/docker.pid ]; then
  echo "start-docker: starting dockerd (log: $LOG)"
  nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$WAIT_SECONDS"); do
  if engine_answers; then
    echo "start-docker: engine answers"
    exit 0
  fi
  sleep 1
done
echo "start-docker: dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
