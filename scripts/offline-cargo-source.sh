#!/usr/bin/env bash
# Builds a CARGO_HOME whose config.toml replaces the default crate registry with a directory source made from
# Debian's librust-*-dev packages, for machines without a crate mirror.
#
# Usage: scripts/offline-cargo-source.sh DIR [DEBIAN_PACKAGE...]
#   DIR             the CARGO_HOME to write: DIR/config.toml and the crates in DIR/vendor/ (replaced on each run)
#   DEBIAN_PACKAGE  librust-*-dev packages that must be installed (default: librust-hyper-dev librust-tokio-dev
#                   librust-serde-json-dev, what the rust job type's wrapper needs)
# Then build with: CARGO_HOME=DIR cargo build   (or cargo --config DIR/config.toml ...)
#
# Every crate that Debian installed under /usr/share/cargo/registry is copied, with the .cargo-checksum.json
# that Debian ships beside it; apt already installed the crates the named packages depend on.
set -euo pipefail

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
shift
needed=("$@")
[ ${#needed[@]} -gt 0 ] || needed=(librust-hyper-dev librust-tokio-dev librust-serde-json-dev)

fail() { echo "offline-cargo-source: $*" >&2; exit 1; }
command -v dpkg-query >/dev/null || fail "dpkg-query is missing: this script reads Debian's packages"
missing=()
for pkg in "${needed[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || fail "Debian package(s) not installed: ${missing[*]} (apt-get install ${missing[*]})"

registry=/usr/share/cargo/registry
[ -d "$registry" ] || fail "$registry does not exist: no librust-*-dev package is installed"

mkdir -p "$out"
out=$(cd "$out" && pwd)
# a fresh vendor folder beside the old one, swapped in at the end, so a failed run leaves the old one whole
rm -rf "$out/vendor.new"
mkdir "$out/vendor.new"
count=0
for crate in "$registry"/*/; do
  crate=${crate%/}
  [ -f "$crate/Cargo.toml" ] && [ -f "$crate/.cargo-checksum.json" ] || continue
  # timestamps kept: cargo reruns build scripts whose files look newer than its last run
  cp -RL --preserve=timestamps "$crate" "$out/vendor.new/"
  count=$((count + 1))
done
rm -rf "$out/vendor"
mv "$out/vendor.new" "$out/vendor"

cat > "$out/config.toml.new" <<EOF
# Written by scripts/offline-cargo-source.sh: crates come from Debian's librust-*-dev packages, copied into vendor/.
[source.crates-io]
replace-with = "debian-packages"

[source.debian-packages]
directory = "$out/vendor"
EOF
mv "$out/config.toml.new" "$out/config.toml"
echo "offline-cargo-source: $count crates in $out/vendor. Build with CARGO_HOME=$out"
