"""The fuzz run's shared state: the system under fuzz (started once, always stopped), the
ledger of what the honest side put in, the findings, the seed and the budget."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fuzzlib.findings import Findings, reproduce_command  # noqa: E402
from fuzzlib.ledger import Ledger  # noqa: E402
from fuzzlib.system import SagaSystem  # noqa: E402


@dataclass
class Budget:
    total: int

    @property
    def http(self) -> int:
        return max(1, self.total * 3 // 5)

    @property
    def amqp(self) -> int:
        return max(1, self.total - self.http)


def _seed() -> str:
    return os.environ.get("FUZZ_SEED") or "0"


@pytest.fixture(scope="session")
def seed() -> int:
    return int(_seed())


@pytest.fixture(scope="session")
def budget() -> Budget:
    return Budget(int(os.environ.get("FUZZ_EXAMPLES", "3000")))


@pytest.fixture(scope="session")
def findings() -> Findings:
    return FINDINGS


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture(scope="session")
def system():
    run_dir = Path(os.environ["FUZZ_RUN_DIR"])
    bin_dir = Path(os.environ["FUZZ_BIN_DIR"])
    saga = SagaSystem(
        run_dir, bin_dir,
        saga_timeout=int(os.environ.get("FUZZ_SAGA_TIMEOUT_SECONDS", "10")),
        max_attempts=int(os.environ.get("FUZZ_MAX_DELIVERY_ATTEMPTS", "3")),
        retry_delays=os.environ.get("FUZZ_RETRY_DELAYS_MS", "50,100"),
    )
    try:
        saga.start()
        yield saga
    finally:
        codes = saga.stop()
        unclean = {name: code for name, code in codes.items() if code not in (0, None)}
        if unclean:
            print(f"\nfuzz: services that did not exit 0 on SIGTERM: {unclean}", file=sys.stderr)


FINDINGS = Findings(seed=_seed())


def pytest_configure(config):
    # SIGTERM (CI cancelling, `kill`) tears down like Ctrl-C does: fixtures stop what they started.
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("=", "fuzz summary")
    terminalreporter.write_line(f"seed: {_seed()}   budget: FUZZ_EXAMPLES={os.environ.get('FUZZ_EXAMPLES', '3000')}")
    if FINDINGS.findings:
        terminalreporter.write_line(FINDINGS.report())
    else:
        terminalreporter.write_line("no failure found")
    terminalreporter.write_line(f"reproduce this run: {reproduce_command(_seed())}")
    terminalreporter.write_line(f"logs and stores: {os.environ.get('FUZZ_RUN_DIR', '')}")
