# Shell functions shared by the stages that run the real system from Python: `make fuzz`
# (Tests/Fuzz/run.sh) and `make console-test` (Tests/Console/run.sh). Source it; it defines
# functions only. The system itself (a private RabbitMQ node, the four services on free ports)
# is started and stopped by fuzzlib/system.py, and whatever a run leaves behind is stopped by
# fuzzlib/cleanup.py from the run's state.json.

HARNESS_FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# harness_venv VENV REQUIREMENTS PREFIX: a virtualenv with the pinned requirements, reused while
# the requirements file is unchanged.
harness_venv() {
    local venv="$1" requirements="$2" prefix="$3"
    local stamp="$venv/.requirements.sha256" wanted
    wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "$prefix: creating the virtualenv in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        echo "$wanted" > "$stamp"
    fi
}

# harness_executables BIN_DIR SKIP_BUILD PREFIX: the four debug executables, built unless
# SKIP_BUILD is 1 (CI: `make test` has just built them).
harness_executables() {
    local bin_dir="$1" skip_build="$2" prefix="$3" service
    if [ "$skip_build" != "1" ]; then
        echo "$prefix: swift build (debug)"
        swift build
    fi
    for service in order-service payment-service inventory-service projection-service; do
        [ -x "$bin_dir/$service" ] || { echo "$prefix: $bin_dir/$service is missing: run swift build" >&2; exit 1; }
    done
}

# harness_cleanup VENV RUN_DIR: stops what the run in RUN_DIR still has running (its service pids
# and its broker node, from state.json), never anything by name.
harness_cleanup() {
    local venv="$1" run_dir="$2"
    [ -f "$run_dir/state.json" ] || return 0
    (cd "$HARNESS_FUZZ_DIR" && "$venv/bin/python" -m fuzzlib.cleanup "$run_dir") || true
}

# harness_fresh_run_dir VENV RUN_DIR: stops what an earlier run in RUN_DIR left, then empties it.
harness_fresh_run_dir() {
    local venv="$1" run_dir="$2"
    harness_cleanup "$venv" "$run_dir"
    rm -rf "$run_dir"
    mkdir -p "$run_dir"
}
