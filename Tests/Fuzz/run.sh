#!/usr/bin/env bash
# The bounded fuzzing stage (`make fuzz`): random and mutated HTTP requests and AMQP messages
# against a private broker and the four debug services, then the aftermath checks (queues
# drained, services alive, invariants I1-I7). See Tests/Fuzz/README.md.
#
# Environment:
#   FUZZ_EXAMPLES     inputs in all (default 3000: 3/5 HTTP requests, 2/5 AMQP messages)
#   FUZZ_SEED         Hypothesis seed (default: a new random one, printed); the same seed and
#                     budget draw the same inputs
#   FUZZ_SKIP_BUILD=1 reuse .build/debug/<service> as it is (CI: `make test` just built them)
#   FUZZ_LOG_LEVEL    the services' LOG_LEVEL (default info)
#   FUZZ_PYTEST_ARGS  extra pytest arguments (e.g. -x, -k http)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FUZZ_DIR="$ROOT/Tests/Fuzz"
WORK_DIR="$ROOT/.build-fuzz"
VENV="$WORK_DIR/venv"
RUN_DIR="$WORK_DIR/run"
cd "$ROOT"

say() { echo "fuzz: $*"; }

# shellcheck source=../../scripts/lib/python-stage.sh
. "$ROOT/scripts/lib/python-stage.sh"

# 1. A virtualenv with the pinned requirements (reused while requirements.txt is unchanged).
stage_venv "$VENV" "$FUZZ_DIR/requirements.txt"

# 2. The four debug executables.
stage_executables "${FUZZ_SKIP_BUILD:-0}"
BIN_DIR="$STAGE_BIN_DIR"

# 3. A fresh run directory; whatever the run leaves running is stopped on any exit.
stage_run_dir "$RUN_DIR" "$VENV"

SEED="${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
EXAMPLES="${FUZZ_EXAMPLES:-3000}"
say "seed $SEED, budget $EXAMPLES inputs (reproduce: make fuzz FUZZ_SEED=$SEED FUZZ_EXAMPLES=$EXAMPLES)"

# 4. The fuzz stage: the tests run in this order (HTTP, AMQP, then the aftermath checks).
cd "$FUZZ_DIR"
set +e
# shellcheck disable=SC2086 # FUZZ_PYTEST_ARGS is a list of words
FUZZ_SEED="$SEED" FUZZ_EXAMPLES="$EXAMPLES" FUZZ_RUN_DIR="$RUN_DIR" FUZZ_BIN_DIR="$BIN_DIR" \
    "$VENV/bin/python" -m pytest -p no:cacheprovider -q -rA ${FUZZ_PYTEST_ARGS:-} \
    test_1_http.py test_2_amqp.py test_3_aftermath.py
status=$?
set -e
if [ "$status" -ne 0 ]; then
    say "FAILED (seed $SEED). Reproduce: make fuzz FUZZ_SEED=$SEED FUZZ_EXAMPLES=$EXAMPLES"
    say "service logs: ${RUN_DIR#"$ROOT"/}/logs/"
fi
exit "$status"
