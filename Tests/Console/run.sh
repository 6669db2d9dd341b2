#!/usr/bin/env bash
# The console's browser test (`make console-test`): a private RabbitMQ node and the four debug
# services (started by Tests/Fuzz/fuzzlib, as in `make fuzz`), and Debian's headless Chromium
# driven by selenium through the console served by projection-service. Screenshots of every
# state go to .build-console/artifacts/. See docs/CONSOLE.md.
#
# Environment:
#   CONSOLE_SKIP_BUILD=1   reuse .build/debug/<service> as it is (CI: `make test` just built them)
#   CONSOLE_PYTEST_ARGS    extra pytest arguments (e.g. -x)
#   CONSOLE_LOG_LEVEL      the services' LOG_LEVEL (default info)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONSOLE_DIR="$ROOT/Tests/Console"
WORK_DIR="$ROOT/.build-console"
VENV="$WORK_DIR/venv"
RUN_DIR="$WORK_DIR/run"
ARTIFACTS="$WORK_DIR/artifacts"
cd "$ROOT"

say() { echo "console-test: $*"; }

# shellcheck source=../../scripts/lib/python-stage.sh
. "$ROOT/scripts/lib/python-stage.sh"

# 1. Chromium and its driver from Debian (installed when missing and allowed to).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "console-test: needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver" >&2; exit 1
    fi
    echo "console-test: installing chromium chromium-driver"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi

# 2. The virtualenv (selenium, pika, pytest; pinned) and the four debug executables.
stage_venv "$VENV" "$CONSOLE_DIR/requirements.txt"
stage_executables "${CONSOLE_SKIP_BUILD:-0}"
BIN_DIR="$STAGE_BIN_DIR"

# 3. A fresh run directory and artifacts; whatever the run leaves running is stopped on any exit.
stage_run_dir "$RUN_DIR" "$VENV"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

# 4. The browser test.
cd "$CONSOLE_DIR"
set +e
# shellcheck disable=SC2086 # CONSOLE_PYTEST_ARGS is a list of words
CONSOLE_RUN_DIR="$RUN_DIR" CONSOLE_BIN_DIR="$BIN_DIR" CONSOLE_ARTIFACTS="$ARTIFACTS" \
    FUZZ_LOG_LEVEL="${CONSOLE_LOG_LEVEL:-info}" \
    "$VENV/bin/python" -m pytest -p no:cacheprovider -q -rA ${CONSOLE_PYTEST_ARGS:-} test_console.py
status=$?
set -e
echo "console-test: screenshots in ${ARTIFACTS#"$ROOT"/}/"
if [ "$status" -ne 0 ]; then
    echo "console-test: FAILED; service logs: ${RUN_DIR#"$ROOT"/}/logs/"
fi
exit "$status"
