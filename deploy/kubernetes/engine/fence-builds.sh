#!/bin/sh
# The engine sidecar's fence. Build steps (a Dockerfile's RUN, pip) and any container of this engine leave the pod
# with the server pod's address, which every job's NetworkPolicy admits: unfenced, a build step could call any job
# pod, the API server or the cloud's metadata service directly, with no token. One iptables chain, jumped to from
# DOCKER-USER (which dockerd keeps and consults before its own rules), rejects new connections from the engine's
# bridges to the blocked ranges; the allowed ones (an in-cluster package mirror, say) are let through first.
# dockerd's own traffic (image pushes, its DNS forwarding) is the pod's, not forwarded, and is not affected.
# Idempotent: a second run rebuilds the chain. Fails, and so keeps dockerd from starting, when a rule cannot be set.
set -eu

chain=${RACETRACK_ENGINE_FENCE_CHAIN:-RACETRACK-BUILDS}
# private, shared (CGNAT) and link-local ranges: where pod, Service and node addresses and metadata services live
blocked=${RACETRACK_ENGINE_BLOCKED_CIDRS-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16}
allowed=${RACETRACK_ENGINE_ALLOWED_CIDRS-}

ipt() {
  iptables -w "$@" || { echo "fence-builds: iptables $* failed" >&2; exit 1; }
}

iptables -w -n -L DOCKER-USER >/dev/null 2>&1 || ipt -N DOCKER-USER
if iptables -w -n -L "$chain" >/dev/null 2>&1; then ipt -F "$chain"; else ipt -N "$chain"; fi
for cidr in $allowed; do
  ipt -A "$chain" -d "$cidr" -j RETURN
done
# docker0 and the user-defined bridges (br-…): the only interfaces whose traffic this pod forwards
for bridge in docker0 br-+; do
  for cidr in $blocked; do
    ipt -A "$chain" -i "$bridge" -d "$cidr" -m conntrack --ctstate NEW -j REJECT --reject-with icmp-admin-prohibited
  done
done
iptables -w -C DOCKER-USER -j "$chain" 2>/dev/null || ipt -I DOCKER-USER 1 -j "$chain"
echo "fence-builds: containers of this engine reach none of: ${blocked:-(nothing blocked)}${allowed:+ (except $allowed)}"
