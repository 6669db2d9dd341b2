#!/usr/bin/env bash
# Makes sure a Docker engine answers and docker-compose is installed. On a Debian machine where
# they are missing (run as root), installs docker.io, docker-compose, debootstrap and iptables
# from Debian and starts `dockerd` in the background (overlay2), logging to $DOCKERD_LOG.
# Prints `started <pid>` when it started the engine, so the caller can stop it again.
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/saga-dockerd.log}"
log() { echo "engine: $*" >&2; }

missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
command -v iptables >/dev/null 2>&1 || missing="$missing iptables"
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "missing:$missing; install them (Debian: apt-get install$missing)"
        exit 1
    fi
    log "installing$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if docker info >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    log "no Docker engine answers and starting one needs root"
    exit 1
fi
log "starting dockerd (log: $DOCKERD_LOG)"
setsid dockerd --storage-driver overlay2 >>"$DOCKERD_LOG" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        echo "started $pid"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || { log "dockerd exited; see $DOCKERD_LOG"; tail -n 20 "$DOCKERD_LOG" >&2; exit 1; }
    sleep 1
done
log "dockerd did not answer within 60s; see $DOCKERD_LOG"
kill "$pid" 2>/dev/null || true
exit 1
