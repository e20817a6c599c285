#!/bin/sh
# The engine sidecar's fence. Build steps (a Dockerfile's RUN, pip) and any container of this engine leave the pod
# with the server pod's address, which every job's NetworkPolicy admits: unfenced, a build step could call any job
# pod, the API server or the cloud's metadata service directly, with no token. One iptables chain, jumped to from
# DOCKER-USER (which dockerd keeps and consults before its own rules), rejects new connections from the engine's
# bridges to the blocked ranges; the allowed ones (an in-cluster package mirror, say) are let through first.
# dockerd's own traffic (image pushes, its DNS forwarding) is the pod's, not forwarded, and is not affected.
# IPv6: dockerd gives its containers none unless told to, but should it be (--ipv6, an IPv6 network), they get no
# new IPv6 connection out of the pod at all, save to the allowed ranges: a cluster's IPv6 pod addresses are often
# global ones, so no list of private ranges would cover them.
# Idempotent: a second run rebuilds the chain. Fails, and so keeps dockerd from starting, when a rule cannot be set.
set -eu

chain=${RACETRACK_ENGINE_FENCE_CHAIN:-RACETRACK-BUILDS}
# private, shared (CGNAT) and link-local ranges: where pod, Service and node addresses and metadata services live
blocked=${RACETRACK_ENGINE_BLOCKED_CIDRS-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16}
allowed=${RACETRACK_ENGINE_ALLOWED_CIDRS-}

# docker0 and the user-defined bridges (br-…): the only interfaces whose traffic this pod forwards
bridges='docker0 br-+'

# $1: iptables or ip6tables
ipt() {
  tool=$1
  shift
  "$tool" -w "$@" || { echo "fence-builds: $tool $* failed" >&2; exit 1; }
}

# $1: the tool; makes the chain afresh with the allowed ranges of its family first
fresh_chain() {
  "$1" -w -n -L DOCKER-USER >/dev/null 2>&1 || ipt "$1" -N DOCKER-USER
  if "$1" -w -n -L "$chain" >/dev/null 2>&1; then ipt "$1" -F "$chain"; else ipt "$1" -N "$chain"; fi
  for cidr in $allowed; do
    case $cidr in
      *:*) [ "$1" = ip6tables ] && ipt "$1" -A "$chain" -d "$cidr" -j RETURN ;;
      *) [ "$1" = iptables ] && ipt "$1" -A "$chain" -d "$cidr" -j RETURN ;;
    esac
  done
  return 0
}

fresh_chain iptables
for bridge in $bridges; do
  for cidr in $blocked; do
    ipt iptables -A "$chain" -i "$bridge" -d "$cidr" -m conntrack --ctstate NEW -j REJECT --reject-with icmp-admin-prohibited
  done
done
iptables -w -C DOCKER-USER -j "$chain" 2>/dev/null || ipt iptables -I DOCKER-USER 1 -j "$chain"

# without IPv6 in the kernel there is no IPv6 to forward
if ip6tables -w -n -L >/dev/null 2>&1; then
  fresh_chain ip6tables
  for bridge in $bridges; do
    ipt ip6tables -A "$chain" -i "$bridge" -m conntrack --ctstate NEW -j REJECT --reject-with icmp6-adm-prohibited
  done
  ip6tables -w -C DOCKER-USER -j "$chain" 2>/dev/null || ipt ip6tables -I DOCKER-USER 1 -j "$chain"
  # a dockerd that leaves ip6tables alone never jumps to DOCKER-USER there: FORWARD does, whatever it adds above
  ip6tables -w -C FORWARD -j DOCKER-USER 2>/dev/null || ipt ip6tables -A FORWARD -j DOCKER-USER
  v6=', nor anything over IPv6'
fi
echo "fence-builds: containers of this engine reach none of: ${blocked:-(nothing blocked)}${v6:-}${allowed:+ (except $allowed)}"
