#!/usr/bin/env python3
"""The compose scenario of `make container-test`, against the images already built.

Brings the system up with compose.yaml, waits for every health check, places sagas through the
published ports and sees them CONFIRMED, restarts payment-service mid-load, checks the
contract's invariants through the APIs, checks `down` then `up` keeps the data, runs one service
image alone with `docker run`, checks that no container talked to anything but the others and
loopback, and tears everything down (also on failure). Exits non-zero with the reason on failure.

Environment: COMPOSE (the compose command, default `docker-compose`), COMPOSE_PROJECT_NAME
(default `saga-container-test`) and the image variables compose.yaml reads.
"""
import ipaddress
import json
import os
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECT = os.environ.setdefault("COMPOSE_PROJECT_NAME", "saga-container-test")
COMPOSE = shlex.split(os.environ.get("COMPOSE", "docker-compose")) + ["-f", os.path.join(ROOT, "compose.yaml")]
IMAGE = "saga-services:local"
SERVICES = {"order-service": 8081, "payment-service": 8082, "inventory-service": 8083, "projection-service": 8084}
BROKER_PORTS = [5672, 15672]
ALONE_CONTAINER = PROJECT + "-payment-alone"
ALONE_PORT = 8092
# A stall is a failure: every wait has a deadline, far above what a healthy system needs.
HEALTHY_WITHIN = 300
SETTLED_WITHIN = 120


class Failure(Exception):
    """A check that failed; inside `wait_for`, one that may still pass on a later try."""


class Refused(Exception):
    """An answer no retry can change (a 4xx to a valid request): fails the run at once."""


def log(message):
    print(f"container-test: {message}", flush=True)


def run(args, check=True, capture=False, quiet=False):
    if not quiet:
        log("$ " + " ".join(shlex.quote(a) for a in args))
    result = subprocess.run(args, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.STDOUT if capture else None)
    if check and result.returncode != 0:
        raise Failure(f"{' '.join(args)} exited {result.returncode}" + (f": {result.stdout.strip()}" if capture else ""))
    return result.stdout if capture else result.returncode


def compose(*args, **kwargs):
    return run(COMPOSE + list(args), **kwargs)


# ---- HTTP ----------------------------------------------------------------------------------------

def http(method, port, path, body=None, headers=None):
    """Returns (status, parsed JSON or None); raises OSError when the service cannot be reached."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else None
        except ValueError:
            return error.code, None


def expect(method, port, path, body=None, statuses=(200,), headers=None):
    status, payload = http(method, port, path, body, headers)
    if status not in statuses:
        raise Failure(f"{method} :{port}{path} answered {status} {payload}")
    return payload


def wait_for(what, within, probe, interval=0.5):
    """Calls probe() until it returns something other than None; fails after `within` seconds."""
    deadline = time.monotonic() + within
    last = None
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except (OSError, Failure) as error:
            last = error
        if time.monotonic() >= deadline:
            raise Failure(f"{what}: not within {within}s" + (f" (last: {last})" if last else ""))
        time.sleep(interval)


# ---- compose and containers ------------------------------------------------------------------------

def containers():
    """{compose service name: container id} of the project."""
    ids = compose("ps", "-q", capture=True, quiet=True).split()
    result = {}
    for container in ids:
        name = run(["docker", "inspect", "-f", '{{index .Config.Labels "com.docker.compose.service"}}', container],
                   capture=True, quiet=True).strip()
        result[name] = container
    return result


def wait_healthy():
    expected = ["rabbitmq"] + list(SERVICES)

    def probe():
        found = containers()
        states = {}
        for name in expected:
            if name not in found:
                states[name] = "absent"
                continue
            states[name] = run(["docker", "inspect", "-f", "{{.State.Health.Status}}", found[name]],
                               capture=True, quiet=True).strip()
        if any(state == "unhealthy" for state in states.values()):
            raise Refused(f"unhealthy: {states}")
        if all(state == "healthy" for state in states.values()):
            return states
        return None
    states = wait_for("every health check healthy", HEALTHY_WITHIN, probe, interval=2)
    log(f"healthy: {', '.join(sorted(states))}")


def check_ports_free():
    import socket
    for port in BROKER_PORTS + list(SERVICES.values()) + [ALONE_PORT]:
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise Failure(f"127.0.0.1:{port} is already in use; stop what listens there first")


def check_published_on_loopback_only():
    for name, container in containers().items():
        ports = json.loads(run(["docker", "inspect", "-f", "{{json .NetworkSettings.Ports}}", container],
                               capture=True, quiet=True))
        for mappings in ports.values():
            for mapping in mappings or []:
                if mapping["HostIp"] != "127.0.0.1":
                    raise Failure(f"{name} publishes {mapping} beyond loopback")
    log("every published port is bound to 127.0.0.1")


def check_broker_access():
    """The management UI takes the administrator of definitions.json, and neither guest nor a service user."""
    import base64

    def whoami(user, password):
        request = urllib.request.Request("http://127.0.0.1:15672/api/whoami")
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
    if whoami("admin", "admin-change-me") != 200:
        raise Failure("the management UI refuses admin")
    for user, password in [("guest", "guest"), ("order-service", "order-service-change-me")]:
        if whoami(user, password) == 200:
            raise Failure(f"the management UI lets {user} in")
    log("management UI: admin in; guest and service users out")


def dump_logs():
    try:
        compose("ps", check=False)
        compose("logs", "--no-color", "--tail=40", check=False)
        run(["docker", "logs", "--tail=40", ALONE_CONTAINER], check=False, quiet=True)
    except Exception as error:  # the logs are a courtesy; the failure is reported anyway
        log(f"could not show logs: {error}")


def tear_down():
    run(["docker", "rm", "-f", ALONE_CONTAINER], check=False, capture=True)
    compose("down", "--volumes", "--remove-orphans", check=False)


# ---- the saga workload ---------------------------------------------------------------------------

class Ledger:
    """What the scenario put in: deposits per customer, stock per SKU, the orders it placed."""

    def __init__(self):
        self.deposits = {}
        self.stock = {}
        self.orders = []
        self.lock = threading.Lock()

    def deposit(self, customer, amount):
        expect("POST", SERVICES["payment-service"], f"/accounts/{customer}/deposits", {"amount": amount})
        self.deposits[customer] = self.deposits.get(customer, 0) + amount

    def restock(self, sku, quantity):
        expect("POST", SERVICES["inventory-service"], f"/products/{sku}/restock", {"quantity": quantity, "name": sku})
        self.stock[sku] = self.stock.get(sku, 0) + quantity

    def place(self, customer, sku, quantity, unit_price):
        """Places an order, retrying with the same Idempotency-Key while order-service is unreachable."""
        body = {"customerId": customer, "currency": "USD",
                "items": [{"sku": sku, "quantity": quantity, "unitPrice": unit_price}]}
        key = str(uuid.uuid4())

        def attempt():
            status, payload = http("POST", SERVICES["order-service"], "/orders", body, {"Idempotency-Key": key})
            if status in (200, 202):
                return payload["orderId"]
            if status >= 500:
                return None
            raise Refused(f"POST /orders answered {status} {payload}")
        order_id = wait_for("POST /orders", 60, attempt, interval=0.2)
        with self.lock:
            self.orders.append(order_id)
        return order_id


def wait_final(ledger, ids=None):
    ids = list(ids if ids is not None else ledger.orders)

    def probe():
        statuses = {}
        for order_id in ids:
            status, order = http("GET", SERVICES["order-service"], f"/orders/{order_id}")
            if status != 200 or order["status"] == "PENDING":
                return None
            statuses[order_id] = order["status"]
        return statuses
    return wait_for(f"all {len(ids)} orders CONFIRMED or CANCELLED", SETTLED_WITHIN, probe)


def violations(ledger):
    """The contract's invariants I2-I7 read through the APIs; empty when they hold."""
    found = []
    orders = {i: expect("GET", SERVICES["order-service"], f"/orders/{i}") for i in ledger.orders}
    confirmed = [o for o in orders.values() if o["status"] == "CONFIRMED"]
    pending = [o["orderId"] for o in orders.values() if o["status"] == "PENDING"]
    if pending:
        found.append(f"I1 pending orders {pending[:5]}")
    balances = {c: expect("GET", SERVICES["payment-service"], f"/accounts/{c}")["balance"] for c in ledger.deposits}
    charged = sum(o["total"] for o in confirmed)
    if sum(ledger.deposits.values()) != sum(balances.values()) + charged:
        found.append(f"I4 deposits {sum(ledger.deposits.values())} != balances {sum(balances.values())} + confirmed {charged}")
    products = {s: expect("GET", SERVICES["inventory-service"], f"/products/{s}") for s in ledger.stock}
    for sku, stocked in ledger.stock.items():
        held = sum(line["quantity"] for o in confirmed for line in o["items"] if line["sku"] == sku)
        if stocked != products[sku]["available"] + held:
            found.append(f"I5 {sku}: stocked {stocked} != available {products[sku]['available']} + confirmed {held}")
        if products[sku]["available"] < 0:
            found.append(f"I6 {sku} available {products[sku]['available']}")
    for customer, balance in balances.items():
        if balance < 0:
            found.append(f"I6 {customer} balance {balance}")
    for order_id, order in orders.items():
        payment_status, payment = http("GET", SERVICES["payment-service"], f"/payments/{order_id}")
        if order["status"] == "CONFIRMED" and (payment_status != 200 or payment["status"] != "AUTHORIZED" or payment["amount"] != order["total"]):
            found.append(f"I2 {order_id} CONFIRMED with payment {payment_status} {payment}")
        if order["status"] == "CANCELLED" and payment_status == 200 and payment["status"] == "AUTHORIZED":
            found.append(f"I3 {order_id} CANCELLED with an authorized payment")
        status, projected = http("GET", SERVICES["projection-service"], f"/orders/{order_id}")
        if status != 200 or projected["status"] != order["status"]:
            found.append(f"I7 {order_id}: order-service {order['status']}, projection {status} {projected and projected.get('status')}")
    for customer, balance in balances.items():
        status, projected = http("GET", SERVICES["projection-service"], f"/customers/{customer}")
        if status != 200 or projected.get("balance") != balance:
            found.append(f"I7 {customer}: balance {balance}, projection {status} {projected and projected.get('balance')}")
    projected_products = {p["sku"]: p for p in expect("GET", SERVICES["projection-service"], "/products")["products"]}
    for sku, product in products.items():
        mine = projected_products.get(sku)
        if mine is None or (mine["available"], mine["reserved"]) != (product["available"], product["reserved"]):
            found.append(f"I7 {sku}: {product['available']}/{product['reserved']}, projection {mine}")
    return found, orders


def check_invariants(ledger, label):
    """Waits until every order is final, then until two reads in a row find no violation."""
    wait_final(ledger)
    clean_reads = 0
    last = []

    def probe():
        nonlocal clean_reads, last
        last, orders = violations(ledger)
        clean_reads = clean_reads + 1 if not last else 0
        return orders if clean_reads >= 2 else None
    try:
        orders = wait_for(f"invariants ({label})", SETTLED_WITHIN, probe, interval=1)
    except Failure as error:
        raise Failure(f"{error}; violations: {last}")
    counts = {}
    for order in orders.values():
        counts[order["status"]] = counts.get(order["status"], 0) + 1
    log(f"invariants hold {label}: {len(orders)} orders {counts}")
    return orders


# ---- the scenario -----------------------------------------------------------------------------------

def network_of_project():
    networks = json.loads(run(["docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", containers()["rabbitmq"]],
                              capture=True, quiet=True))
    name = next(iter(networks))
    config = json.loads(run(["docker", "network", "inspect", "-f", "{{json .IPAM.Config}}", name], capture=True, quiet=True))
    return name, ipaddress.ip_network(config[0]["Subnet"]), ipaddress.ip_address(config[0]["Gateway"])


def sockets_of(pid):
    """(local, remote, state) of every TCP and UDP socket in the network namespace of pid."""
    result = []
    for table in ("tcp", "udp", "tcp6", "udp6"):
        try:
            lines = open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            result.append((decode_address(fields[1]), decode_address(fields[2]), fields[3], table))
    return result


def decode_address(text):
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        address = ipaddress.IPv4Address(raw[::-1])
    else:
        words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
        address = ipaddress.IPv6Address(b"".join(words))
        if address.ipv4_mapped:
            address = address.ipv4_mapped
    return address, int(port, 16)


def check_traffic_stays_inside():
    """Every socket of every container talks to loopback or a container of the project's network;
    the gateway (the host) only as the client of a published port."""
    _, subnet, gateway = network_of_project()
    checked = 0
    for name, container in containers().items():
        pid = run(["docker", "inspect", "-f", "{{.State.Pid}}", container], capture=True, quiet=True).strip()
        table = sockets_of(pid)
        listening = {local[1] for local, _, state, kind in table if kind.startswith("tcp") and state == "0A"}
        for local, remote, state, kind in table:
            address, port = remote
            if port == 0 or address.is_unspecified or address.is_loopback:
                continue
            checked += 1
            if address not in subnet:
                raise Failure(f"{name} has a {kind} socket to {address}:{port}, outside {subnet}")
            if address == gateway and local[1] not in listening:
                raise Failure(f"{name} opened a {kind} connection to the host {address}:{port}")
    log(f"traffic stays inside {subnet} and loopback ({checked} connections checked)")


def run_alone(broker_network, ledger):
    """payment-service alone with `docker run`: its environment, its volume, the broker."""
    volume = f"{PROJECT}_payment-data"
    run(["docker", "run", "-d", "--name", ALONE_CONTAINER, "--network", broker_network,
         "-e", "AMQP_URL=amqp://payment-service:payment-service-change-me@rabbitmq:5672/saga",
         "-e", "HTTP_PORT=8082", "-e", "DATABASE_PATH=/data/payment-service.sqlite",
         "-v", f"{volume}:/data", "-p", f"127.0.0.1:{ALONE_PORT}:8082", IMAGE, "payment-service"], capture=True)

    def ready():
        status, _ = http("GET", ALONE_PORT, "/ready")
        return True if status == 200 else None
    wait_for("payment-service alone ready", 60, ready)
    for customer, deposited in ledger.deposits.items():
        account = expect("GET", ALONE_PORT, f"/accounts/{customer}")
        charged = sum(o["total"] for o in ledger.final.values() if o["status"] == "CONFIRMED" and o["customerId"] == customer)
        if account["balance"] != deposited - charged:
            raise Failure(f"payment-service alone: {customer} balance {account['balance']}, expected {deposited - charged}")
    account = expect("POST", ALONE_PORT, "/accounts/c-alone/deposits", {"amount": 700})
    if account["balance"] != 700:
        raise Failure(f"payment-service alone: deposit gave {account}")
    log("payment-service runs alone with docker run and keeps its store")


def scenario():
    check_ports_free()
    compose("up", "-d", "--no-build")
    wait_healthy()
    check_published_on_loopback_only()
    check_broker_access()

    ledger = Ledger()
    customers = [f"c-{i}" for i in range(1, 9)]
    for customer in customers:
        ledger.deposit(customer, 1_000_000)
    ledger.deposit("c-poor", 100)  # too little for any order: its sagas are declined
    skus = [f"SKU-{i}" for i in range(1, 5)]
    for sku in skus:
        ledger.restock(sku, 500)
    ledger.restock("SKU-SCARCE", 3)  # runs out: later orders are cancelled out_of_stock

    # Sagas through the published ports, confirmed.
    first = [ledger.place(customers[i % len(customers)], skus[i % len(skus)], 1 + i % 3, 1250) for i in range(20)]
    statuses = wait_final(ledger, first)
    if set(statuses.values()) != {"CONFIRMED"}:
        raise Failure(f"the first sagas were not all CONFIRMED: {statuses}")
    log(f"{len(first)} sagas CONFIRMED through the published ports")

    # Load, with payment-service restarted in the middle of it.
    errors = []

    def load():
        try:
            for i in range(150):
                if i % 25 == 0:
                    ledger.place("c-poor", skus[0], 1, 1250)
                elif i % 10 == 0:
                    ledger.place(customers[i % len(customers)], "SKU-SCARCE", 1, 900)
                else:
                    ledger.place(customers[i % len(customers)], skus[i % len(skus)], 1 + i % 2, 1100)
                time.sleep(0.02)
        except Exception as error:
            errors.append(error)
    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(1)
    compose("restart", "payment-service")
    loader.join()
    if errors:
        raise Failure(f"placing orders under load: {errors[0]}")
    wait_healthy()
    ledger.final = check_invariants(ledger, "after restarting payment-service mid-load")

    # down, then up: the volumes keep every store and the broker's state.
    compose("down")
    compose("up", "-d", "--no-build")
    wait_healthy()
    for order_id, before in ledger.final.items():
        after = expect("GET", SERVICES["order-service"], f"/orders/{order_id}")
        if after["status"] != before["status"]:
            raise Failure(f"{order_id} was {before['status']} before down/up, {after['status']} after")
    again = ledger.place(customers[0], skus[0], 1, 1250)
    if wait_final(ledger, [again])[again] != "CONFIRMED":
        raise Failure("a saga placed after down/up was not CONFIRMED")
    ledger.final = check_invariants(ledger, "after down and up")

    check_traffic_stays_inside()

    # One service image alone, as an operator deploys one service.
    network, _, _ = network_of_project()
    compose("stop", "payment-service")
    run_alone(network, ledger)


def main():
    started = time.monotonic()
    tear_down()  # what a failed run may have left
    try:
        scenario()
    except BaseException as error:
        log(f"FAILED: {error}")
        dump_logs()
        tear_down()
        return 1
    tear_down()
    log(f"passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
