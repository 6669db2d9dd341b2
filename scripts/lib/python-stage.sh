# shellcheck shell=bash
# Shared by the test stages that drive the running system from Python (`make fuzz`:
# Tests/Fuzz/run.sh, `make api-test`: Tests/API/run.sh, `make console-test`: Tests/Console/run.sh): a virtualenv with pinned requirements,
# the four debug executables, and a fresh run directory whose leftovers are stopped on any exit.
# Source it after setting ROOT (the repository) and defining `say`.

STAGE_SERVICES=(order-service payment-service inventory-service projection-service)
# The harness that starts and stops the broker and the services (fuzzlib.system, fuzzlib.cleanup).
STAGE_HARNESS_DIR="$ROOT/Tests/Fuzz"

# stage_venv VENV REQUIREMENTS: creates VENV with REQUIREMENTS installed, reused while that
# file is unchanged.
stage_venv() {
    local venv="$1" requirements="$2"
    local stamp="$venv/.requirements.sha256" wanted
    wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        say "creating the virtualenv in ${venv#"$ROOT"/}"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        echo "$wanted" > "$stamp"
    fi
}

# stage_executables SKIP_BUILD: builds the debug executables unless SKIP_BUILD is 1, checks that
# all four are there, and sets STAGE_BIN_DIR.
stage_executables() {
    if [ "${1:-0}" != "1" ]; then
        say "swift build (debug)"
        swift build
    fi
    STAGE_BIN_DIR="$ROOT/.build/debug"
    local service
    for service in "${STAGE_SERVICES[@]}"; do
        [ -x "$STAGE_BIN_DIR/$service" ] || { say "$STAGE_BIN_DIR/$service is missing: run swift build" >&2; exit 1; }
    done
}

# stage_run_dir RUN_DIR VENV: stops what an earlier run left (from its state.json), empties
# RUN_DIR, and stops whatever this run leaves running on any exit (fuzzlib.cleanup: the pids and
# the node it started, never anything by name).
stage_run_dir() {
    STAGE_RUN_DIR="$1"
    STAGE_VENV="$2"
    if [ -f "$STAGE_RUN_DIR/state.json" ]; then
        stage_cleanup || true
    fi
    rm -rf "$STAGE_RUN_DIR"
    mkdir -p "$STAGE_RUN_DIR"
    trap stage_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

stage_cleanup() {
    (cd "$STAGE_HARNESS_DIR" && "$STAGE_VENV/bin/python" -m fuzzlib.cleanup "$STAGE_RUN_DIR") || true
}
