#!/bin/sh
# The engine sidecar's entrypoint: the fence first, then dockerd with the container's arguments. No fence, no engine.
set -eu
racetrack-fence-builds
exec dockerd "$@"
