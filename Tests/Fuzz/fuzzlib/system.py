"""The system under fuzz: a private RabbitMQ node and the four services, each on free ports
with its own data directory, started and stopped by this module only.

Everything lives under one run directory (``FUZZ_RUN_DIR``): ``rabbitmq/`` (the node's data
and logs), ``data/<service>/`` (each store) and ``logs/<service>.log``. ``state.json`` names
what was started (the node and the service pids) so that ``fuzzlib.cleanup`` can stop exactly
that if this process dies before its own teardown.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ["order-service", "payment-service", "inventory-service", "projection-service"]
SOURCES = SERVICES[:3]
ADMIN_TOKEN = "fuzz-admin-token"

# Configuration variables of the services; the harness's own environment never leaks them.
CONFIGURATION_KEYS = {
    "AMQP_URL", "HTTP_HOST", "HTTP_PORT", "DATABASE_PATH", "ADMIN_TOKEN", "LOG_LEVEL", "LOG_FORMAT",
    "MAX_DELIVERY_ATTEMPTS", "RETRY_DELAYS_MS", "SAGA_TIMEOUT_SECONDS", "SOURCE_URLS",
}


class SystemError_(RuntimeError):
    """The harness could not start or control a part of the system."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    try:
        data = path.read_bytes()[-64 * 1024:]
    except OSError:
        return f"(no file {path})"
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def write_state(run_dir: Path, state: dict) -> None:
    path = run_dir / "state.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(path)


class RabbitMQNode:
    """A private node: its own name, AMQP and distribution ports, data, log and config files.

    As root, the /usr/sbin wrappers switch to the ``rabbitmq`` user, so the directory is
    handed to that user. Started with ``rabbitmq-server -detached``, stopped with
    ``rabbitmqctl -n NODE stop``; never killed by name.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.node_name = f"fuzz-{uuid.uuid4().hex[:8]}@localhost"
        self.amqp_port = free_port()
        self.dist_port = free_port()
        while self.dist_port == self.amqp_port:
            self.dist_port = free_port()
        self.environment = self._prepare()
        self.started = False

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @staticmethod
    def tool(name: str) -> str:
        return f"/usr/sbin/{name}" if os.getuid() == 0 else f"/usr/lib/rabbitmq/bin/{name}"

    def _prepare(self) -> dict:
        mnesia = self.directory / "mnesia"
        logs = self.directory / "log"
        for path in (self.directory, mnesia, logs):
            path.mkdir(parents=True, exist_ok=True)
        files = {
            "enabled_plugins": "[].\n",
            "rabbitmq.conf": "log.console.level = warning\nlog.file.level = info\n",
            "rabbitmq-env.conf": "",
        }
        for name, text in files.items():
            (self.directory / name).write_text(text)
        if os.getuid() == 0:
            user = pwd.getpwnam("rabbitmq")
            for path in [self.directory, mnesia, logs] + [self.directory / name for name in files]:
                os.chown(path, user.pw_uid, user.pw_gid)
        return {
            "RABBITMQ_NODENAME": self.node_name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(mnesia),
            "RABBITMQ_LOG_BASE": str(logs),
            "RABBITMQ_PID_FILE": str(self.directory / "node.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.directory / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.directory / "rabbitmq-env.conf"),
        }

    def control(self, tool: str, *arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
        environment = {**os.environ, **self.environment}
        return subprocess.run(
            [self.tool(tool), "-q", "-n", self.node_name, *arguments], env=environment,
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
        )

    def start(self, timeout: float = 90) -> None:
        environment = {**os.environ, **self.environment}
        with open(self.directory / "console.log", "ab") as console:
            result = subprocess.run(
                [self.tool("rabbitmq-server"), "-detached"], env=environment, stdin=subprocess.DEVNULL,
                stdout=console, stderr=console, timeout=60,
            )
        self.started = True
        if result.returncode != 0:
            raise SystemError_(f"rabbitmq-server -detached exited {result.returncode}\n{self.log_tail()}")
        deadline = time.monotonic() + timeout
        while not port_answers(self.amqp_port):
            if time.monotonic() > deadline:
                raise SystemError_(f"RabbitMQ node {self.node_name} did not open port {self.amqp_port}\n{self.log_tail()}")
            time.sleep(0.2)
        check = self.control("rabbitmq-diagnostics", "check_port_connectivity")
        if check.returncode != 0:
            raise SystemError_(f"rabbitmq-diagnostics check_port_connectivity failed: {check.stdout}{check.stderr}")

    def list_queues(self) -> dict[str, tuple[int, int]]:
        """``rabbitmqctl list_queues name messages messages_unacknowledged``: name → (ready+unacked, unacked)."""
        result = self.control("rabbitmqctl", "list_queues", "name", "messages", "messages_unacknowledged", timeout=60)
        if result.returncode != 0:
            raise SystemError_(f"rabbitmqctl list_queues failed: {result.stdout}{result.stderr}")
        queues = {}
        for line in result.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                queues[parts[0]] = (int(parts[1]), int(parts[2]))
        return queues

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        try:
            self.control("rabbitmqctl", "stop", timeout=60)
        except subprocess.TimeoutExpired:
            pass
        pid_file = self.directory / "node.pid"
        deadline = time.monotonic() + 30
        while port_answers(self.amqp_port) and time.monotonic() < deadline:
            time.sleep(0.2)
        if port_answers(self.amqp_port) and pid_file.exists():
            # Last resort, by the pid this node wrote, never by name.
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join([
            f"--- {self.directory / 'console.log'} ---", tail(self.directory / "console.log", lines),
            f"--- node log ---", tail(self.directory / "log" / f"{self.node_name}.log", lines),
        ])


@dataclass
class Service:
    """One service executable, its port, data directory and log file."""

    name: str
    executable: Path
    port: int
    data_dir: Path
    log_path: Path
    environment: dict
    process: subprocess.Popen | None = None
    launches: int = 0
    exits: list = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.launches += 1
        environment = {key: value for key, value in os.environ.items() if key not in CONFIGURATION_KEYS}
        environment.update(self.environment)
        command = [str(self.executable)]
        if shutil.which("setpriv"):
            # The service dies with the harness (parent-death signal), same pid.
            command = ["setpriv", "--pdeathsig", "KILL", "--"] + command
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== [fuzz] launch #{self.launches} of {self.name} on port {self.port} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command, env=environment, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """True while the process runs; records how it ended the first time it is seen gone."""
        if self.process is None:
            return False
        code = self.process.poll()
        if code is None:
            return True
        if not self.exits or self.exits[-1][0] != self.launches:
            self.exits.append((self.launches, code))
        return False

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        seen = "no answer yet"
        while time.monotonic() < deadline:
            if not self.alive():
                raise SystemError_(f"{self.name} exited ({self.process.returncode}) before it was ready\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/ready", timeout=2) as response:
                    if response.status == 200:
                        return
                    seen = f"/ready answered {response.status}"
            except Exception as error:  # noqa: BLE001 - any failure means "not yet"
                seen = f"/ready: {error}"
            time.sleep(0.1)
        raise SystemError_(f"{self.name} not ready within {timeout}s ({seen})\n{self.log_tail()}")

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code, None if it was not running."""
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        return f"--- last {lines} lines of {self.log_path} ---\n{tail(self.log_path, lines)}"


class SagaSystem:
    """The broker and the four services, as ``make fuzz`` runs them."""

    def __init__(self, run_dir: Path, bin_dir: Path, saga_timeout: int, max_attempts: int, retry_delays: str):
        self.run_dir = run_dir
        self.broker = RabbitMQNode(run_dir / "rabbitmq")
        self.saga_timeout = saga_timeout
        self.max_attempts = max_attempts
        self.retry_delays = [int(part) for part in retry_delays.split(",")]
        ports = {}
        for name in SERVICES:
            port = free_port()
            while port in ports.values() or port in (self.broker.amqp_port, self.broker.dist_port):
                port = free_port()
            ports[name] = port
        sources = ",".join(f"http://127.0.0.1:{ports[name]}" for name in SOURCES)
        self.services: dict[str, Service] = {}
        for name in SERVICES:
            executable = bin_dir / name
            if not os.access(executable, os.X_OK):
                raise SystemError_(f"{executable} is missing: build it first (swift build)")
            data_dir = run_dir / "data" / name
            environment = {
                "AMQP_URL": self.broker.amqp_url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(ports[name]),
                "DATABASE_PATH": str(data_dir / f"{name}.sqlite"),
                "ADMIN_TOKEN": ADMIN_TOKEN,
                "LOG_LEVEL": os.environ.get("FUZZ_LOG_LEVEL", "info"),
                "LOG_FORMAT": "text",
                "MAX_DELIVERY_ATTEMPTS": str(max_attempts),
                "RETRY_DELAYS_MS": retry_delays,
            }
            if name == "order-service":
                environment["SAGA_TIMEOUT_SECONDS"] = str(saga_timeout)
            if name == "projection-service":
                environment["SOURCE_URLS"] = sources
            self.services[name] = Service(
                name=name, executable=executable, port=ports[name], data_dir=data_dir,
                log_path=run_dir / "logs" / f"{name}.log", environment=environment,
            )

    def save_state(self) -> None:
        write_state(self.run_dir, {
            "node": self.broker.node_name,
            "broker_environment": self.broker.environment,
            "broker_started": self.broker.started,
            "amqp_port": self.broker.amqp_port,
            "pids": {name: service.pid for name, service in self.services.items() if service.pid},
        })

    def start(self) -> None:
        self.broker.started = True  # from here on, cleanup must try to stop it
        self.save_state()
        self.broker.start()
        for name in SOURCES:
            self.services[name].start()
        self.save_state()
        for name in SOURCES:
            self.services[name].wait_ready()
        self.services["projection-service"].start()
        self.save_state()
        self.services["projection-service"].wait_ready()

    def restart(self, name: str) -> bool:
        """Starts a service that died again (same port and store); True when it became ready."""
        service = self.services[name]
        service.stop()
        service.start()
        self.save_state()
        try:
            service.wait_ready(timeout=60)
            return True
        except SystemError_:
            return False

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to every service (projection first), then the broker. Returns the exit codes."""
        codes = {"projection-service": self.services["projection-service"].stop()}
        for name in SOURCES:
            codes[name] = self.services[name].stop()
        self.broker.stop()
        self.save_state()
        return codes

    def dead_services(self) -> list[str]:
        return [name for name, service in self.services.items() if not service.alive()]
