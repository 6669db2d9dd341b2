"""Runs schemathesis against each service's served OpenAPI document (`make api-test`).

Starts a private RabbitMQ node and the four services with the fuzz stage's harness
(Tests/Fuzz/fuzzlib/system.py), puts a funded account, a stocked product and an order in (so
that the documents' examples and the stateful phase reach real resources, not only 404s) and
a malformed message in every service's queue (so that there is a parked message to list,
replay and delete),
checks that each service serves exactly its docs/openapi/<service>.json, then runs
schemathesis on every documented operation with valid and invalid inputs, and checks that
every service is still alive. Prints one line per service and `N passed, N failed`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Fuzz"))

from fuzzlib.system import ADMIN_TOKEN, SERVICES, SagaSystem  # noqa: E402

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
])


def request(method: str, url: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method=method), timeout=10) as response:
        return response.status, response.read()


def put_in_resources(system: SagaSystem) -> None:
    """The resources the documents' examples name: account c-1, product SKU-1, and an order."""
    payment = system.services["payment-service"].base_url
    inventory = system.services["inventory-service"].base_url
    order = system.services["order-service"].base_url
    request("POST", f"{payment}/accounts/c-1/deposits", {"amount": 1_000_000})
    request("POST", f"{inventory}/products/SKU-1/restock", {"quantity": 1_000, "name": "Widget"})
    request("POST", f"{order}/orders", {"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 100}]})


def park_a_message_in_every_service(system: SagaSystem) -> None:
    """One message each service parks as malformed (a body that is not an envelope), so that the
    dead-letter operations reach a real parked message, not only 404s."""
    import pika  # noqa: PLC0415 - only this step talks AMQP

    connection = pika.BlockingConnection(pika.URLParameters(system.broker.amqp_url))
    try:
        channel = connection.channel()
        for name in SERVICES:
            channel.basic_publish("", name, b"not an envelope", pika.BasicProperties(
                message_id=f"api-test-{name}", content_type="application/json", delivery_mode=2))
    finally:
        connection.close()
    for name in SERVICES:
        base_url = system.services[name].base_url
        deadline = time.monotonic() + 30
        while True:
            listing = urllib.request.Request(f"{base_url}/admin/dead-letters", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            with urllib.request.urlopen(listing, timeout=10) as response:
                if json.loads(response.read())["total"] > 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not park the malformed message within 30 s")
            time.sleep(0.2)


def served_document_problem(name: str, base_url: str) -> str | None:
    status, served = request("GET", f"{base_url}/openapi.json")
    expected = (ROOT / "docs" / "openapi" / f"{name}.json").read_bytes()
    if status != 200:
        return f"GET /openapi.json answered {status}"
    if served != expected:
        return f"GET /openapi.json is not docs/openapi/{name}.json ({len(served)} bytes served, {len(expected)} in the file)"
    return None


def schemathesis(name: str, base_url: str, run_dir: Path) -> int:
    reports = run_dir / "reports" / name
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{base_url}/openapi.json",
        "--checks", CHECKS,
        "--mode", "all",
        "--max-examples", os.environ.get("API_EXAMPLES", "30"),
        "--seed", os.environ.get("API_SEED", "1"),
        "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
        "--request-timeout", "20",
        "--suppress-health-check", "all",
        "--workers", "1",
        "--report", "junit,ndjson",
        "--report-dir", str(reports),
        "--output-truncate", "true",
        # The admin token is a test value: keep it and the generated headers readable in the reports.
        "--output-sanitize", "false",
        "--no-color",
    ]
    print(f"api-test: {' '.join(command)}", flush=True)
    return subprocess.run(command, cwd=run_dir, stdin=subprocess.DEVNULL).returncode


def main() -> int:
    run_dir = Path(os.environ["API_RUN_DIR"])
    system = SagaSystem(run_dir, Path(os.environ["API_BIN_DIR"]), saga_timeout=10, max_attempts=3, retry_delays="50,100")
    outcomes: dict[str, str | None] = {}
    try:
        system.start()
        put_in_resources(system)
        park_a_message_in_every_service(system)
        for name in SERVICES:
            service = system.services[name]
            problem = served_document_problem(name, service.base_url)
            if problem is None and schemathesis(name, service.base_url, run_dir) != 0:
                problem = f"schemathesis found failures (report: {(run_dir / 'reports' / name).relative_to(ROOT)})"
            if problem is None and not service.alive():
                problem = "the service died during the run"
            outcomes[name] = problem
    finally:
        codes = system.stop()
    for name, code in codes.items():
        if code not in (0, None) and outcomes.get(name) is None:
            outcomes[name] = f"exited {code} on SIGTERM"
    print()
    for name in SERVICES:
        problem = outcomes.get(name, "not run")
        print(f"api-test: {name}: {'PASSED' if problem is None else 'FAILED: ' + problem}")
    failed = sum(1 for name in SERVICES if outcomes.get(name, "not run") is not None)
    print(f"{len(SERVICES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
