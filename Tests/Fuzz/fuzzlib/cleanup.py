"""Stops what a fuzz run left running, from its ``state.json``: the service pids it started
(SIGTERM, then SIGKILL) and its private RabbitMQ node (``rabbitmqctl -n NODE stop``).

run.sh calls it on every exit (also after Ctrl-C or a crash of pytest); it does nothing when
the run's own teardown already stopped everything.

Usage: python -m fuzzlib.cleanup RUN_DIR
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def runs(pid: int, name: str) -> bool:
    """Whether the pid still runs that service (and was not handed to another process since)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return name.encode() in cmdline.read()
    except OSError:
        return False


def main(run_dir: Path) -> int:
    path = run_dir / "state.json"
    if not path.exists():
        return 0
    state = json.loads(path.read_text())
    pids = [pid for name, pid in state.get("pids", {}).items() if pid and process_alive(pid) and runs(pid, name)]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
    if state.get("broker_started"):
        tool = "/usr/sbin/rabbitmqctl" if os.getuid() == 0 else "/usr/lib/rabbitmq/bin/rabbitmqctl"
        environment = {**os.environ, **state.get("broker_environment", {})}
        subprocess.run([tool, "-q", "-n", state["node"], "stop"], env=environment, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
        state["broker_started"] = False
    state["pids"] = {}
    path.write_text(json.dumps(state, indent=2))
    if pids:
        print(f"fuzz cleanup: stopped {len(pids)} leftover service process(es)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
