#!/usr/bin/env bash
# The API stage (`make api-test`): schemathesis against the OpenAPI document each running
# service serves at /openapi.json, with a private broker and the four debug services.
# See docs/API.md, "Checking the documents".
#
# Environment:
#   API_EXAMPLES      test cases per operation and phase (default 30)
#   API_SEED          schemathesis seed (default 1: the same inputs every run)
#   API_SKIP_BUILD=1  reuse .build/debug/<service> as it is (CI: `make test` just built them)
#   API_LOG_LEVEL     the services' LOG_LEVEL (default info)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
API_DIR="$ROOT/Tests/API"
WORK_DIR="$ROOT/.build-api"
VENV="$WORK_DIR/venv"
RUN_DIR="$WORK_DIR/run"
cd "$ROOT"

say() { echo "api-test: $*"; }

# shellcheck source=../../scripts/lib/python-stage.sh
. "$ROOT/scripts/lib/python-stage.sh"

# The documents in docs/openapi are what scripts/openapi/generate.py makes (and so what the
# services compile in: a Swift test holds each embedded copy to its file).
python3 "$ROOT/scripts/openapi/generate.py" --check

stage_venv "$VENV" "$API_DIR/requirements.txt"
stage_executables "${API_SKIP_BUILD:-0}"
stage_run_dir "$RUN_DIR" "$VENV"

started=$SECONDS
API_RUN_DIR="$RUN_DIR" API_BIN_DIR="$STAGE_BIN_DIR" FUZZ_LOG_LEVEL="${API_LOG_LEVEL:-info}" \
    "$VENV/bin/python" "$API_DIR/api_stage.py"
say "finished in $((SECONDS - started)) s"
