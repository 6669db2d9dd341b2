#!/usr/bin/env bash
# The saga benchmark (issue 12): builds the release products, starts a private RabbitMQ node and
# the four release services on free ports with fresh stores in a temporary directory (SQLite
# durable FULL, the default), waits for every /ready, runs saga-load with the pids of every
# process it started, and stops everything on any exit. Nothing is left behind: no process, no
# directory (BENCH_KEEP=1 keeps the directory with the logs and stores).
#
# Usage: scripts/bench/saga-bench.sh [saga-load options]      (`make bench-saga`)
#   e.g. scripts/bench/saga-bench.sh --phases open --open-orders 5000 --rate 250
#   `saga-load --help` lists its options; the URLs and --pids are set here.
#
# Environment:
#   BENCH_SKIP_BUILD=1   use .build/release as it is
#   BENCH_BIN=DIR        take the binaries from DIR instead of .build/release, and build
#                        nothing (e.g. two builds copied aside and run in turns)
#   BENCH_KEEP=1         keep the temporary directory (logs, stores, broker log)
#   PROFILE_DIR=DIR      after the run, profile each service under a load run of its own
#                        (perf record -g, from Debian's linux-perf) and write DIR/<service>.txt:
#                        the top self-time symbols, demangled
#   PROFILE_ARGS="..."   saga-load options of that profiling run (default
#                        "--phases saturated --saturated-orders 8000")
#   LOG_LEVEL            passed to the services when set (their default is info)
#   BENCH_BROKER_ERL_ARGS  more Erlang VM flags for the node, e.g. "+sbwt none +sbwtdcpu none
#                        +sbwtdio none" (schedulers that do not spin while waiting for work)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVICES=(order-service payment-service inventory-service projection-service)
HOST=127.0.0.1

say() { echo "saga-bench: $*"; }
die() { echo "saga-bench: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
cd "$ROOT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH_BIN:-}" ]; then
    for product in "${SERVICES[@]}" saga-load; do
        say "swift build -c release --product $product"
        swift build -c release --product "$product"
    done
fi
BIN="${BENCH_BIN:-$ROOT/.build/release}"
for product in "${SERVICES[@]}" saga-load; do
    [ -x "$BIN/$product" ] || die "$BIN/$product is missing (run without BENCH_SKIP_BUILD and BENCH_BIN to build it)"
done

# ---------------------------------------------------------------------------------------------
# Cleanup: only what this script started, by the pids it recorded
# ---------------------------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/saga-bench.XXXXXX)"
chmod 755 "$WORK"
SERVICE_PIDS=()
PERF_PIDS=()
BROKER_STARTED=false

# True while PID runs (a child that exited but was not reaped yet is a zombie: not running).
pid_alive() {
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ]
}

# wait_exit PID SECONDS: true once PID is gone.
wait_exit() {
    local pid="$1" deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in ${PERF_PIDS[@]+"${PERF_PIDS[@]}"}; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in ${SERVICE_PIDS[@]+"${SERVICE_PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in ${SERVICE_PIDS[@]+"${SERVICE_PIDS[@]}"} ${PERF_PIDS[@]+"${PERF_PIDS[@]}"}; do
        wait_exit "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "$BROKER_STARTED" = true ]; then
        local beam
        beam="$(cat "$BROKER_DIR/node.pid" 2>/dev/null || true)"
        broker_ctl rabbitmqctl stop >/dev/null 2>&1 || true
        if [ -n "$beam" ] && ! wait_exit "$beam" 30; then kill -KILL "$beam" 2>/dev/null || true; fi
        if pid_alive "$BROKER_SCRIPT_PID"; then kill -KILL "$BROKER_SCRIPT_PID" 2>/dev/null || true; fi
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: a port nothing listens on now (the kernel's choice for an ephemeral bind).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------------------------------------
# Broker: a private node, as the tests start one (Tests/TestSupport/RabbitMQNode.swift)
# ---------------------------------------------------------------------------------------------
AMQP_PORT="$(free_port)"
DIST_PORT="$(free_port)"
NODE="bench-$AMQP_PORT@localhost"
BROKER_DIR="$WORK/rabbitmq"
mkdir -p "$BROKER_DIR/mnesia" "$BROKER_DIR/log"
printf 'log.console.level = warning\nlog.file.level = info\n' >"$BROKER_DIR/rabbitmq.conf"
echo "[]." >"$BROKER_DIR/enabled_plugins"
: >"$BROKER_DIR/rabbitmq-env.conf"

RABBITMQ_BIN=/usr/lib/rabbitmq/bin
[ -x "$RABBITMQ_BIN/rabbitmq-server" ] || die "rabbitmq-server not found: apt-get install rabbitmq-server (make deps)"
# As root the node runs as the rabbitmq user, with its HOME (its Erlang cookie) for rabbitmqctl.
BROKER_AS=()
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
    chown -R rabbitmq:rabbitmq "$BROKER_DIR"
    BROKER_AS=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME="$(getent passwd rabbitmq | cut -d: -f6)")
fi
BROKER_ENV=(
    RABBITMQ_NODENAME="$NODE" RABBITMQ_NODE_IP_ADDRESS="$HOST" RABBITMQ_NODE_PORT="$AMQP_PORT"
    RABBITMQ_DIST_PORT="$DIST_PORT" RABBITMQ_MNESIA_BASE="$BROKER_DIR/mnesia" RABBITMQ_LOG_BASE="$BROKER_DIR/log"
    RABBITMQ_PID_FILE="$BROKER_DIR/node.pid" RABBITMQ_CONFIG_FILE="$BROKER_DIR/rabbitmq.conf"
    RABBITMQ_ENABLED_PLUGINS_FILE="$BROKER_DIR/enabled_plugins" RABBITMQ_CONF_ENV_FILE="$BROKER_DIR/rabbitmq-env.conf"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} ${BENCH_BROKER_ERL_ARGS:-}"
)
broker_ctl() { (cd "$BROKER_DIR" && ${BROKER_AS[@]+"${BROKER_AS[@]}"} env "${BROKER_ENV[@]}" "$RABBITMQ_BIN/$1" -q -n "$NODE" "${@:2}"); }

say "starting RabbitMQ node $NODE on $HOST:$AMQP_PORT"
(cd "$BROKER_DIR" && exec ${BROKER_AS[@]+"${BROKER_AS[@]}"} env "${BROKER_ENV[@]}" "$RABBITMQ_BIN/rabbitmq-server") \
    >"$BROKER_DIR/log/console.log" 2>&1 </dev/null &
BROKER_SCRIPT_PID=$!
BROKER_STARTED=true
deadline=$((SECONDS + 90))
until broker_ctl rabbitmq-diagnostics check_port_connectivity >/dev/null 2>&1; do
    pid_alive "$BROKER_SCRIPT_PID" || { tail -n 30 "$BROKER_DIR/log/console.log" >&2; die "the broker exited while starting"; }
    [ "$SECONDS" -lt "$deadline" ] || die "the broker did not answer within 90 s"
    sleep 0.5
done
BROKER_PID="$(cat "$BROKER_DIR/node.pid")"
[ "$(cat "/proc/$BROKER_PID/comm" 2>/dev/null)" = beam.smp ] || die "pid $BROKER_PID of the node's pid file is not beam.smp"
AMQP_URL="amqp://guest:guest@$HOST:$AMQP_PORT/"

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------
declare -A PORT PID
for service in "${SERVICES[@]}"; do PORT[$service]="$(free_port)"; done
for service in "${SERVICES[@]}"; do
    env=(AMQP_URL="$AMQP_URL" HTTP_HOST="$HOST" HTTP_PORT="${PORT[$service]}" DATABASE_PATH="$WORK/$service.sqlite")
    [ -n "${LOG_LEVEL:-}" ] && env+=(LOG_LEVEL="$LOG_LEVEL")
    if [ "$service" = projection-service ]; then
        env+=(SOURCE_URLS="http://$HOST:${PORT[order-service]},http://$HOST:${PORT[payment-service]},http://$HOST:${PORT[inventory-service]}")
    fi
    (cd "$WORK" && exec env "${env[@]}" "$BIN/$service") >"$WORK/$service.log" 2>&1 </dev/null &
    PID[$service]=$!
    SERVICE_PIDS+=("${PID[$service]}")
    say "started $service (pid ${PID[$service]}) on http://$HOST:${PORT[$service]}"
done
for service in "${SERVICES[@]}"; do
    deadline=$((SECONDS + 60))
    until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:${PORT[$service]}/ready" || true)" = 200 ]; do
        pid_alive "${PID[$service]}" || { tail -n 30 "$WORK/$service.log" >&2; die "$service exited while starting"; }
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$WORK/$service.log" >&2; die "$service not ready within 60 s"; }
        sleep 0.2
    done
done
say "all ready; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

PIDS="order=${PID[order-service]},payment=${PID[payment-service]},inventory=${PID[inventory-service]},projection=${PID[projection-service]},broker=$BROKER_PID"
LOAD=("$BIN/saga-load" --amqp-url "$AMQP_URL" --order-url "http://$HOST:${PORT[order-service]}"
    --payment-url "http://$HOST:${PORT[payment-service]}" --inventory-url "http://$HOST:${PORT[inventory-service]}"
    --pids "$PIDS")
"${LOAD[@]}" "$@"

# ---------------------------------------------------------------------------------------------
# Profiles (PROFILE_DIR): one perf record per service under a load run of its own
# ---------------------------------------------------------------------------------------------
if [ -n "${PROFILE_DIR:-}" ]; then
    command -v perf >/dev/null || die "perf is missing: apt-get install linux-perf"
    mkdir -p "$PROFILE_DIR"
    PROFILE_DIR="$(cd "$PROFILE_DIR" && pwd)"
    say "profiling each service (perf record -g -F 499) under: ${PROFILE_ARGS:---phases saturated --saturated-orders 8000}"
    for service in "${SERVICES[@]}"; do
        perf record -g -F 499 -p "${PID[$service]}" -o "$PROFILE_DIR/$service.perf.data" >"$WORK/perf-$service.log" 2>&1 &
        PERF_PIDS+=($!)
    done
    # shellcheck disable=SC2086 # PROFILE_ARGS is a list of options
    "${LOAD[@]}" --warmup 0 --idle-wait 0 ${PROFILE_ARGS:---phases saturated --saturated-orders 8000} |
        grep '^RESULT' | sed 's/^/profiled: /'
    for pid in "${PERF_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${PERF_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PERF_PIDS=()
    for service in "${SERVICES[@]}"; do
        perf report -i "$PROFILE_DIR/$service.perf.data" --no-children --sort symbol,dso --stdio --percent-limit 0.4 -g none 2>/dev/null |
            swift demangle --simplified >"$PROFILE_DIR/$service.txt"
        say "wrote $PROFILE_DIR/$service.txt"
    done
fi
