"""The console test's shared state: the system (started once with Tests/Fuzz/fuzzlib, always
stopped), headless Chromium on the console, and the directory for the screenshots."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Fuzz"))

from fuzzlib.system import SagaSystem  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def system():
    saga = SagaSystem(
        Path(os.environ["CONSOLE_RUN_DIR"]), Path(os.environ["CONSOLE_BIN_DIR"]),
        # The test holds an order PENDING while payment-service is down: no deadline during that.
        saga_timeout=300, max_attempts=3, retry_delays="50,100",
    )
    try:
        saga.start()
        yield saga
    finally:
        saga.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ["CONSOLE_ARTIFACTS"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser(artifacts):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is Debian's: selenium must not look for or download one.
    driver = webdriver.Chrome(options=options, service=DriverService(executable_path=CHROMEDRIVER,
                                                                     log_output=str(artifacts / "chromedriver.log")))
    try:
        yield driver
    finally:
        driver.quit()


def pytest_configure(config):
    # SIGTERM (CI cancelling) tears down like Ctrl-C: the fixtures stop what they started.
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
