#!/usr/bin/env bash
# Stops exactly what scripts/run-local.sh started:
#   - each service named by a pid file in data/run: SIGTERM, then wait for it to exit
#     (SIGKILL only after STOP_TIMEOUT seconds, default 30);
#   - the RabbitMQ node saga@localhost, with `rabbitmqctl -n saga@localhost stop`, only when
#     data/run/rabbitmq.started says run-local.sh started it (a reused broker is left alone).
# Nothing is stopped by name: only the recorded pids and the recorded node.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/data/run"
BROKER_MARKER="$RUN_DIR/rabbitmq.started"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

# Reverse start order: the projection first, then the services it reads.
SERVICES=(projection-service inventory-service payment-service order-service)

say() { echo "stop-local: $*"; }

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Waits up to $2 seconds for process $1 to exit; true when it did.
wait_exit() {
    local pid="$1" deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# The command line of a process, to make sure a pid file does not name a recycled pid.
command_of() { ps -o args= -p "$1" 2>/dev/null || true; }

stopped_any=false

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------
for service in "${SERVICES[@]}"; do
    pid_file="$RUN_DIR/$service.pid"
    [ -f "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    if ! pid_alive "$pid"; then
        say "$service (pid $pid) was not running"
    elif [[ "$(command_of "$pid")" != *"$service"* ]]; then
        say "pid $pid is no longer $service (the pid was reused); leaving it alone"
    else
        say "stopping $service (pid $pid)"
        kill -TERM "$pid"
        if ! wait_exit "$pid" "$STOP_TIMEOUT"; then
            say "$service did not exit within ${STOP_TIMEOUT}s of SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait_exit "$pid" 5 || say "warning: $service (pid $pid) is still running"
        fi
        stopped_any=true
    fi
    rm -f "$pid_file"
done

# ---------------------------------------------------------------------------------------------
# Broker
# ---------------------------------------------------------------------------------------------
if [ -f "$BROKER_MARKER" ]; then
    # Written by run-local.sh: NODE_NAME, AMQP_PORT, PID, PID_FILE, RABBITMQ_BIN, BROKER_USER.
    node="$(sed -n 's/^NODE_NAME=//p' "$BROKER_MARKER")"
    pid="$(sed -n 's/^PID=//p' "$BROKER_MARKER")"
    node_pid_file="$(sed -n 's/^PID_FILE=//p' "$BROKER_MARKER")"
    bin="$(sed -n 's/^RABBITMQ_BIN=//p' "$BROKER_MARKER")"
    user="$(sed -n 's/^BROKER_USER=//p' "$BROKER_MARKER")"

    # rabbitmqctl runs as the user the node runs as, so that both share the Erlang cookie.
    as=()
    if [ -n "$user" ]; then
        home="$(getent passwd "$user" | cut -d: -f6)"
        if command -v setpriv >/dev/null 2>&1; then
            as=(setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$home")
        else
            as=(runuser -u "$user" -- env HOME="$home")
        fi
    fi

    if pid_alive "$pid"; then
        say "stopping RabbitMQ node $node"
        # With the node's pid file, `stop` returns once the Erlang VM has exited.
        stop_args=(-n "$node" stop)
        [ -f "$node_pid_file" ] && stop_args+=("$node_pid_file")
        if ! ${as[@]+"${as[@]}"} "$bin/rabbitmqctl" "${stop_args[@]}"; then
            say "rabbitmqctl could not stop $node; sending SIGTERM to its pid $pid"
            kill -TERM "$pid" 2>/dev/null || true
        fi
        if ! wait_exit "$pid" "$STOP_TIMEOUT"; then
            say "warning: RabbitMQ node $node (pid $pid) is still running"
            exit 1
        fi
        stopped_any=true
    else
        say "RabbitMQ node $node (pid $pid) was not running"
    fi
    rm -f "$BROKER_MARKER"
fi

if [ "$stopped_any" = true ]; then
    say "done"
else
    say "nothing was running"
fi
