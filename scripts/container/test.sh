#!/usr/bin/env bash
# `make container-test`: the deployment files, built and run for real.
#  1. a Docker engine (installed and started when absent: engine.sh),
#  2. the local stand-ins for the base images (base-images.sh; cached: skipped when present),
#  3. the image built from the project's Dockerfile by compose.yaml, with only the base images
#     swapped for the stand-ins (BUILDER_IMAGE, RUNTIME_IMAGE, RABBITMQ_IMAGE),
#  4. the compose scenario (scenario.py), which tears everything down, also on failure.
# Set UPSTREAM_IMAGES=1 to build and run with the upstream base images instead (Docker Hub).
# An engine started here is stopped at the end unless KEEP_ENGINE=1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./images.env
started=$SECONDS

engine="$(./engine.sh)"
engine_pid=""
case "$engine" in started\ *) engine_pid="${engine#started }" ;; esac
stop_engine() {
    if [ -n "$engine_pid" ] && [ "${KEEP_ENGINE:-0}" != 1 ]; then
        echo "container-test: stopping the dockerd this run started ($engine_pid)"
        kill "$engine_pid" 2>/dev/null || true
        while kill -0 "$engine_pid" 2>/dev/null; do sleep 1; done
    fi
}
trap stop_engine EXIT

if [ "${UPSTREAM_IMAGES:-0}" != 1 ]; then
    ./base-images.sh
    export BUILDER_IMAGE="$LOCAL_SWIFT_IMAGE" RUNTIME_IMAGE="$LOCAL_DEBIAN_IMAGE" RABBITMQ_IMAGE="$LOCAL_RABBITMQ_IMAGE"
fi
export COMPOSE="${COMPOSE:-docker-compose}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-saga-container-test}"

echo "container-test: building saga-services:local from the Dockerfile (BUILDER_IMAGE=${BUILDER_IMAGE:-default} RUNTIME_IMAGE=${RUNTIME_IMAGE:-default})"
build_started=$SECONDS
# The four compose services share one image: building one builds it for all.
$COMPOSE -f ../../compose.yaml build order-service
echo "container-test: image built in $((SECONDS - build_started))s; size: $(docker image inspect -f '{{.Size}}' saga-services:local | awk '{printf "%.1f MB", $1 / 1000000}')"

python3 ./scenario.py
echo "container-test: stage passed in $((SECONDS - started))s"
