#!/usr/bin/env bash
# Starts the saga system on this machine, for development:
#   1. a RabbitMQ node of its own (saga@localhost), unless a broker already answers on the port;
#   2. the four services in the background, each waited for until GET /ready answers 200.
# Everything lives under ./data: broker data and logs in data/rabbitmq, service stores in
# data/*.sqlite, service logs in data/logs, pid files in data/run. scripts/stop-local.sh
# stops exactly what this script started.
#
# Usage: scripts/run-local.sh [--broker-only]
#   --broker-only   start (or reuse) the broker only, e.g. to `swift run` a service by hand
#
# Environment:
#   AMQP_PORT       AMQP port of the broker (default 5672); the Erlang distribution port of a
#                   node started here is AMQP_PORT + 20000 (25672 for 5672, as RabbitMQ's default)
#   CONFIG          debug (default) or release: which build's executables to start
#   BIN_DIR         directory holding the executables (default: `swift build --show-bin-path`)
#   BROKER_TIMEOUT  seconds to wait for the broker to answer (default 60)
#   READY_TIMEOUT   seconds to wait for each service's /ready (default 60)
#   ADMIN_TOKEN, LOG_LEVEL, LOG_FORMAT, MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_MS,
#   SAGA_TIMEOUT_SECONDS are passed through to the services unchanged when set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$ROOT/data"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
BROKER_DIR="$DATA_DIR/rabbitmq"
# Written only when this script started the broker; stop-local.sh stops the node only then.
BROKER_MARKER="$RUN_DIR/rabbitmq.started"

NODE_NAME="saga@localhost"
AMQP_PORT="${AMQP_PORT:-5672}"
DIST_PORT=$((AMQP_PORT + 20000))
CONFIG="${CONFIG:-debug}"
BROKER_TIMEOUT="${BROKER_TIMEOUT:-60}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"
HOST="127.0.0.1"

# The services and their ports (docs/API.md), in start order.
SERVICES=(order-service payment-service inventory-service projection-service)
port_of() {
    case "$1" in
        order-service) echo 8081 ;;
        payment-service) echo 8082 ;;
        inventory-service) echo 8083 ;;
        projection-service) echo 8084 ;;
    esac
}

BROKER_ONLY=false
for arg in "$@"; do
    case "$arg" in
        --broker-only) BROKER_ONLY=true ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-local: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

say() { echo "run-local: $*"; }
die() { echo "run-local: error: $*" >&2; exit 1; }

# Prints the last lines of a log file, indented, if it exists.
show_log_tail() {
    local file="$1"
    [ -f "$file" ] || return 0
    echo "---- last lines of ${file#"$ROOT"/} ----" >&2
    tail -n 25 "$file" | sed 's/^/    /' >&2
    echo "----" >&2
}

# True when a process with this pid exists (also for processes of another user, as root).
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# True when an AMQP 0-9-1 broker answers on 127.0.0.1:$1: after the protocol header it sends
# a Connection.Start method frame, whose first byte is the frame type 1.
amqp_answers() {
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3
        first=$(head -c 1 <&3 | od -An -tu1 | tr -d " ")
        [ "$first" = "1" ]
    ' "$HOST" "$1" 2>/dev/null
}

# Prints the HTTP status of GET http://127.0.0.1:$1$2, or 000 when nothing answers.
http_status() {
    local port="$1" path="$2"
    if command -v curl >/dev/null 2>&1; then
        curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:$port$path" || true
    else
        # shellcheck disable=SC2016 # the inner script expands its own arguments
        timeout 3 bash -c '
            exec 3<>"/dev/tcp/$0/$1" || exit 1
            printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
            read -r _ code _ <&3 && echo "$code"
        ' "$HOST" "$port" "$path" 2>/dev/null || echo 000
    fi
}

# ---------------------------------------------------------------------------------------------
# Executables: checked first, so that nothing is started when the build is missing.
# ---------------------------------------------------------------------------------------------
if [ "$BROKER_ONLY" = false ]; then
    if [ -z "${BIN_DIR:-}" ]; then
        BIN_DIR="$(cd "$ROOT" && swift build -c "$CONFIG" --show-bin-path 2>/dev/null)" ||
            die "'swift build -c $CONFIG --show-bin-path' failed; is swift on PATH?"
    fi
    missing=()
    for service in "${SERVICES[@]}"; do
        [ -x "$BIN_DIR/$service" ] || missing+=("$service")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        die "not built in $BIN_DIR: ${missing[*]}. Run 'make build CONFIG=$CONFIG' first (make run does)."
    fi
fi

mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"

# ---------------------------------------------------------------------------------------------
# Broker
# ---------------------------------------------------------------------------------------------

# Directory with the real RabbitMQ scripts. Debian's /usr/sbin ones are wrappers that cd to
# /var/lib/rabbitmq and su to the rabbitmq user; we call the scripts behind them directly.
find_rabbitmq_bin() {
    local candidate
    if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
        echo /usr/lib/rabbitmq/bin
        return
    fi
    candidate="$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/opt/homebrew/sbin" command -v rabbitmq-server || true)"
    [ -n "$candidate" ] && dirname "$candidate"
}

# As root, the node runs as the rabbitmq user (as Debian's own service does), with that user's
# HOME (and so its Erlang cookie), so that rabbitmqctl run the same way can talk to it.
# BROKER_AS holds the command prefix that switches user; it is empty when not root.
BROKER_USER=""
BROKER_AS=()
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
    BROKER_USER="rabbitmq"
    broker_home="$(getent passwd "$BROKER_USER" | cut -d: -f6)"
    if command -v setpriv >/dev/null 2>&1; then
        # setpriv execs the command, so the pid of a background start is the broker's own.
        BROKER_AS=(setpriv --reuid="$BROKER_USER" --regid="$BROKER_USER" --init-groups env HOME="$broker_home")
    else
        BROKER_AS=(runuser -u "$BROKER_USER" -- env HOME="$broker_home")
    fi
fi

start_broker() {
    local bin broker_pid deadline
    bin="$(find_rabbitmq_bin)"
    [ -n "$bin" ] || die "rabbitmq-server not found: run 'make deps' (Debian, as root) or install RabbitMQ"

    mkdir -p "$BROKER_DIR/mnesia" "$BROKER_DIR/log"
    # Our own (nearly empty) configuration and plugin list, so /etc/rabbitmq does not apply.
    cat >"$BROKER_DIR/rabbitmq.conf" <<EOF
# Written by scripts/run-local.sh for the local node $NODE_NAME.
disk_free_limit.absolute = 50MB
EOF
    echo "[]." >"$BROKER_DIR/enabled_plugins"
    : >"$BROKER_DIR/rabbitmq-env.conf"
    if [ -n "$BROKER_USER" ]; then
        chown -R "$BROKER_USER:$BROKER_USER" "$BROKER_DIR"
        chmod o+x "$DATA_DIR"
        "${BROKER_AS[@]}" test -w "$BROKER_DIR/mnesia" ||
            die "user $BROKER_USER cannot write $BROKER_DIR (a parent directory is not searchable by it?)"
    fi

    say "starting RabbitMQ node $NODE_NAME on $HOST:$AMQP_PORT (distribution port $DIST_PORT)"
    # The environment tells the node where everything is; see `rabbitmq-env`.
    (
        export RABBITMQ_NODENAME="$NODE_NAME" \
            RABBITMQ_NODE_IP_ADDRESS="$HOST" \
            RABBITMQ_NODE_PORT="$AMQP_PORT" \
            RABBITMQ_DIST_PORT="$DIST_PORT" \
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
            RABBITMQ_CONF_ENV_FILE="$BROKER_DIR/rabbitmq-env.conf" \
            RABBITMQ_CONFIG_FILE="$BROKER_DIR/rabbitmq.conf" \
            RABBITMQ_ENABLED_PLUGINS_FILE="$BROKER_DIR/enabled_plugins" \
            RABBITMQ_MNESIA_BASE="$BROKER_DIR/mnesia" \
            RABBITMQ_LOG_BASE="$BROKER_DIR/log" \
            RABBITMQ_PID_FILE="$BROKER_DIR/$NODE_NAME.pid"
        cd "$BROKER_DIR"
        exec ${BROKER_AS[@]+"${BROKER_AS[@]}"} nohup "$bin/rabbitmq-server"
    ) >>"$BROKER_DIR/log/startup.log" 2>&1 </dev/null &
    broker_pid=$!

    # Recorded at once, so that stop-local.sh can stop the node even if startup times out.
    cat >"$BROKER_MARKER" <<EOF
NODE_NAME=$NODE_NAME
AMQP_PORT=$AMQP_PORT
PID=$broker_pid
PID_FILE=$BROKER_DIR/$NODE_NAME.pid
RABBITMQ_BIN=$bin
BROKER_USER=$BROKER_USER
EOF

    deadline=$((SECONDS + BROKER_TIMEOUT))
    until amqp_answers "$AMQP_PORT"; do
        if ! pid_alive "$broker_pid"; then
            show_log_tail "$BROKER_DIR/log/startup.log"
            show_log_tail "$BROKER_DIR/log/$NODE_NAME.log"
            rm -f "$BROKER_MARKER"
            die "RabbitMQ node $NODE_NAME exited during startup; see data/rabbitmq/log/"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tail "$BROKER_DIR/log/$NODE_NAME.log"
            die "RabbitMQ did not answer on port $AMQP_PORT within ${BROKER_TIMEOUT}s; see data/rabbitmq/log/ ('make stop' stops it)"
        fi
        sleep 1
    done
    say "RabbitMQ node $NODE_NAME answers on $HOST:$AMQP_PORT"
}

if amqp_answers "$AMQP_PORT"; then
    if [ -f "$BROKER_MARKER" ] && pid_alive "$(sed -n 's/^PID=//p' "$BROKER_MARKER")"; then
        say "reusing RabbitMQ node $NODE_NAME started earlier by this script on port $AMQP_PORT"
    else
        say "a broker already answers on $HOST:$AMQP_PORT; reusing it (it was not started here, so 'make stop' leaves it running)"
    fi
elif port_open "$AMQP_PORT"; then
    die "port $AMQP_PORT is in use but does not answer as an AMQP broker; choose another with AMQP_PORT=..."
else
    if [ -f "$BROKER_MARKER" ] && pid_alive "$(sed -n 's/^PID=//p' "$BROKER_MARKER")"; then
        die "node $NODE_NAME started by this script still runs on port $(sed -n 's/^AMQP_PORT=//p' "$BROKER_MARKER"); run 'make stop' first, or use that AMQP_PORT"
    fi
    rm -f "$BROKER_MARKER"
    start_broker
fi

AMQP_URL="amqp://guest:guest@$HOST:$AMQP_PORT/"

if [ "$BROKER_ONLY" = true ]; then
    if [ -f "$BROKER_MARKER" ]; then
        say "broker only: AMQP_URL=$AMQP_URL ('scripts/stop-local.sh' stops it)"
    else
        say "broker only: AMQP_URL=$AMQP_URL"
    fi
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

# Starts one service in the background, unless its pid file names a live process.
start_service() {
    local service="$1" port
    port="$(port_of "$1")"
    local pid_file="$RUN_DIR/$service.pid" log_file="$LOG_DIR/$service.log" pid
    if [ -f "$pid_file" ] && pid_alive "$(cat "$pid_file")"; then
        say "$service already running (pid $(cat "$pid_file")); leaving it"
        return
    fi
    rm -f "$pid_file"
    port_open "$port" && die "port $port (for $service) is already in use by another process"

    local -a env=(
        "AMQP_URL=$AMQP_URL"
        "HTTP_HOST=$HOST"
        "HTTP_PORT=$port"
        "DATABASE_PATH=$DATA_DIR/$service.sqlite"
    )
    if [ "$service" = projection-service ]; then
        env+=("SOURCE_URLS=http://$HOST:$(port_of order-service),http://$HOST:$(port_of payment-service),http://$HOST:$(port_of inventory-service)")
    fi

    echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) run-local.sh starts $service ====" >>"$log_file"
    # `exec` makes the subshell become the service, so $! is the service's own pid.
    (cd "$ROOT" && exec env "${env[@]}" nohup "$BIN_DIR/$service") >>"$log_file" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pid_file"
    say "started $service (pid $pid) on http://$HOST:$port"
}

# Waits until GET /ready of a service answers 200.
wait_ready() {
    local service="$1" port pid status deadline
    port="$(port_of "$1")"
    local log_rel="data/logs/$service.log"
    pid="$(cat "$RUN_DIR/$service.pid")"
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        status="$(http_status "$port" /ready)"
        [ "$status" = 200 ] && return 0
        if ! pid_alive "$pid"; then
            show_log_tail "$LOG_DIR/$service.log"
            die "$service exited during startup; see $log_rel ('make stop' stops the rest)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tail "$LOG_DIR/$service.log"
            die "$service not ready within ${READY_TIMEOUT}s (GET http://$HOST:$port/ready answered $status); see $log_rel ('make stop' stops what was started)"
        fi
        sleep 1
    done
}

for service in "${SERVICES[@]}"; do
    start_service "$service"
done
for service in "${SERVICES[@]}"; do
    wait_ready "$service"
    say "$service is ready"
done

# ---------------------------------------------------------------------------------------------
# Where everything listens
# ---------------------------------------------------------------------------------------------
echo
printf '%-20s %-40s %-8s %s\n' SERVICE ADDRESS PID LOG
if [ -f "$BROKER_MARKER" ]; then
    printf '%-20s %-40s %-8s %s\n' "rabbitmq" "$AMQP_URL" "$(sed -n 's/^PID=//p' "$BROKER_MARKER")" \
        "data/rabbitmq/log/$NODE_NAME.log"
else
    printf '%-20s %-40s %-8s %s\n' "rabbitmq (reused)" "$AMQP_URL" "-" "-"
fi
for service in "${SERVICES[@]}"; do
    printf '%-20s %-40s %-8s %s\n' "$service" "http://$HOST:$(port_of "$service")" \
        "$(cat "$RUN_DIR/$service.pid")" "data/logs/$service.log"
done
echo
echo "Stop everything with 'make stop' (or scripts/stop-local.sh)."
