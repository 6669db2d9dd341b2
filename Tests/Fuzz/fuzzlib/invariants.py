"""The contract's invariants I1-I7 (section 2) over what the ledger recorded, computed only
through the services' public APIs, as Tests/TestSupport/InvariantChecker.swift does."""

from __future__ import annotations

import time
from urllib.parse import quote

from . import http
from .ledger import Ledger
from .system import SagaSystem

FINAL = ("CONFIRMED", "CANCELLED")


def path(value: str) -> str:
    return quote(value, safe="")


class Reader:
    def __init__(self, system: SagaSystem):
        self.ports = {name: service.port for name, service in system.services.items()}
        self.errors: list[str] = []

    def get(self, service: str, target: str):
        """The JSON document, None on 404; a read error is remembered."""
        try:
            response = http.get(self.ports[service], target, timeout=10)
        except http.NoResponse as error:
            self.errors.append(f"{service} GET {target}: {error}")
            return None
        if response.status == 404:
            return None
        if response.status != 200:
            self.errors.append(f"{service} GET {target}: {response.status} {response.text(200)}")
            return None
        try:
            return response.json()
        except ValueError:
            self.errors.append(f"{service} GET {target}: not JSON")
            return None

    def pages(self, target: str) -> list | None:
        orders, cursor, seen = [], None, set()
        for _ in range(200):
            page = self.get("projection-service", target + (f"&cursor={cursor}" if cursor else ""))
            if page is None:
                return None
            orders += page.get("orders", [])
            cursor = page.get("nextCursor")
            if not cursor:
                return orders
            if cursor in seen:
                self.errors.append(f"projection GET {target}: pagination loops")
                return orders
            seen.add(cursor)
        return orders


def wait_until_final(system: SagaSystem, ledger: Ledger, timeout: float) -> list[str]:
    """I1: every order CONFIRMED or CANCELLED in order-service; the ids still pending at the end."""
    reader = Reader(system)
    pending = list(ledger.orders)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [order_id for order_id in pending
                   if (reader.get("order-service", f"/orders/{path(order_id)}") or {}).get("status") not in FINAL]
        if pending:
            time.sleep(0.5)
    return pending


def snapshot(system: SagaSystem, ledger: Ledger) -> dict:
    reader = Reader(system)
    shot = {"orders": {}, "payments": {}, "projected": {}, "accounts": {}, "projected_customers": {},
            "lists_by_customer": {}, "lists_by_status": {}, "products": {}, "projected_products": None, "stats": None}
    for order_id in ledger.orders:
        shot["orders"][order_id] = reader.get("order-service", f"/orders/{path(order_id)}")
        shot["payments"][order_id] = reader.get("payment-service", f"/payments/{path(order_id)}")
        shot["projected"][order_id] = reader.get("projection-service", f"/orders/{path(order_id)}")
    customers = ledger.customers() | {o["customerId"] for o in shot["orders"].values() if o}
    for customer in sorted(customers):
        shot["accounts"][customer] = reader.get("payment-service", f"/accounts/{path(customer)}")
        shot["projected_customers"][customer] = reader.get("projection-service", f"/customers/{path(customer)}")
        shot["lists_by_customer"][customer] = reader.pages(f"/orders?limit=500&customerId={path(customer)}")
    for status in FINAL:
        shot["lists_by_status"][status] = reader.pages(f"/orders?limit=500&status={status}")
    skus = ledger.skus() | {item["sku"] for o in shot["orders"].values() if o for item in o.get("items", [])}
    for sku in sorted(skus):
        shot["products"][sku] = reader.get("inventory-service", f"/products/{path(sku)}")
    products = reader.get("projection-service", "/products")
    if products is not None:
        shot["projected_products"] = {p["sku"]: p for p in products.get("products", [])}
    shot["stats"] = reader.get("projection-service", "/stats")
    shot["customers"], shot["skus"] = sorted(customers), sorted(skus)
    shot["errors"] = reader.errors
    return shot


def evaluate(shot: dict, ledger: Ledger) -> list[tuple[str, str]]:
    """(invariant, message) for every violation in one snapshot."""
    problems = [("read", error) for error in shot["errors"]]
    fail = lambda invariant, message: problems.append((invariant, message))  # noqa: E731
    final = {}
    for order_id, request in ledger.orders.items():
        order = shot["orders"].get(order_id)
        if order is None:
            fail("I1", f"order {order_id} was accepted but order-service answers 404 for it")
            continue
        final[order_id] = order
        payment, projected = shot["payments"].get(order_id), shot["projected"].get(order_id)
        if order.get("status") not in FINAL:
            fail("I1", f"order {order_id} is still {order.get('status')}")
        try:
            total = sum(item["quantity"] * item["unitPrice"] for item in request["items"])
            placed_items = [{"sku": i["sku"], "quantity": i["quantity"], "unitPrice": i["unitPrice"]} for i in request["items"]]
        except (KeyError, TypeError):
            total, placed_items = None, None
        if placed_items is not None and (order.get("customerId") != request.get("customerId") or order.get("currency") != request.get("currency")
                                         or order.get("items") != placed_items or order.get("total") != total):
            fail("order-data", f"order {order_id} differs from what was placed: placed {request}, order-service has {order}")
        status = order.get("status")
        if status == "CONFIRMED":
            if not payment or payment.get("status") != "AUTHORIZED" or payment.get("amount") != order.get("total"):
                fail("I2", f"CONFIRMED order {order_id} (total {order.get('total')}) expected payment AUTHORIZED for its total; payment-service has {payment}")
            if projected and ((projected.get("payment") or {}).get("status") != "AUTHORIZED" or (projected.get("inventory") or {}).get("status") != "RESERVED"):
                fail("I2", f"CONFIRMED order {order_id}: projection expected payment AUTHORIZED and inventory RESERVED, has {projected}")
        elif status == "CANCELLED":
            if payment and payment.get("status") == "AUTHORIZED":
                fail("I3", f"CANCELLED order {order_id} still has its money taken: {payment}")
            if payment and payment.get("status") == "REFUNDED" and payment.get("amount") != order.get("total"):
                fail("I3", f"CANCELLED order {order_id}: refunded {payment.get('amount')} ≠ total {order.get('total')}")
            if projected and ((projected.get("inventory") or {}).get("status") == "RESERVED" or (projected.get("payment") or {}).get("status") == "AUTHORIZED"):
                fail("I3", f"CANCELLED order {order_id}: projection shows it holding stock or money: {projected}")
        if projected is None:
            fail("I7", f"projection-service answers 404 for order {order_id} (order-service: {order})")
            continue
        differences = [f"{name} {projected.get(name)!r} ≠ {order.get(name)!r}" for name in ("status", "total", "customerId", "currency", "cancellationReason")
                       if projected.get(name) != order.get(name)]
        if projected.get("items") is not None and projected.get("items") != order.get("items"):
            differences.append(f"items {projected.get('items')} ≠ {order.get('items')}")
        projected_payment = projected.get("payment") or {}
        if payment and (projected_payment.get("status") != payment.get("status") or projected_payment.get("amount") != payment.get("amount")):
            differences.append(f"payment {projected_payment} ≠ payment-service {payment}")
        if differences:
            fail("I7", f"projection of order {order_id} disagrees: " + "; ".join(differences))

    confirmed = [order for order in final.values() if order.get("status") == "CONFIRMED"]
    for customer in shot["customers"]:
        deposited = ledger.deposits.get(customer, 0)
        account = shot["accounts"].get(customer)
        balance = account.get("balance", 0) if account else 0
        charged = sum(order.get("total", 0) for order in confirmed if order.get("customerId") == customer)
        if deposited != balance + charged:
            fail("I4", f"money not conserved for {customer!r}: deposited {deposited} ≠ balance {balance if account else 'none (404)'} + CONFIRMED totals {charged}")
        if balance < 0:
            fail("I6", f"customer {customer!r} has a negative balance {balance}")
        projected = shot["projected_customers"].get(customer)
        if account and (projected is None or projected.get("balance") != account.get("balance")):
            fail("I7", f"projection of customer {customer!r} is {projected}, payment-service has balance {account.get('balance')}")
        listed = shot["lists_by_customer"].get(customer)
        if listed is not None:
            listed_ids = {entry.get("orderId"): entry for entry in listed}
            for order in final.values():
                if order.get("customerId") != customer:
                    continue
                entry = listed_ids.get(order["orderId"])
                if entry is None:
                    fail("I7", f"projection GET /orders?customerId={customer!r} does not list {order['orderId']}")
                elif entry.get("status") != order.get("status"):
                    fail("I7", f"projection GET /orders?customerId={customer!r} shows {order['orderId']} as {entry.get('status')}, order-service has {order.get('status')}")
    for status, listed in shot["lists_by_status"].items():
        if listed is None:
            continue
        listed_ids = {entry.get("orderId") for entry in listed}
        for entry in listed:
            if entry.get("status") != status:
                fail("I7", f"projection GET /orders?status={status} lists {entry.get('orderId')} as {entry.get('status')}")
        for order in final.values():
            if order.get("status") == status and order["orderId"] not in listed_ids:
                fail("I7", f"projection GET /orders?status={status} does not list {order['orderId']}")

    for sku in shot["skus"]:
        product = shot["products"].get(sku)
        available = product.get("available", 0) if product else 0
        reserved = product.get("reserved", 0) if product else 0
        held = sum(item.get("quantity", 0) for order in confirmed for item in order.get("items", []) if item.get("sku") == sku)
        if sku not in ledger.corrected:
            stocked = ledger.stock.get(sku, 0)
            if stocked != available + held:
                fail("I5", f"stock not conserved for {sku!r}: stocked {stocked} ≠ available {available if product else 'none (404)'} + CONFIRMED quantities {held}")
        if reserved != held:
            fail("I5", f"{sku!r}: reserved {reserved} ≠ quantities held by CONFIRMED orders {held}")
        if available < 0 or reserved < 0:
            fail("I6", f"{sku!r} has negative stock: available {available}, reserved {reserved}")
        projected_products = shot["projected_products"]
        if projected_products is not None:
            projected = projected_products.get(sku)
            if product and (projected is None or projected.get("available") != product.get("available") or projected.get("reserved") != product.get("reserved")):
                fail("I7", f"projection shows {projected} for {sku!r}, inventory-service has {product}")
            if not product and projected and (projected.get("available") or projected.get("reserved")):
                fail("I7", f"projection shows {projected} for {sku!r}, inventory-service has no such product")
    stats = shot["stats"]
    if stats is not None:
        lag = {source: value for source, value in (stats.get("lag") or {}).items() if value}
        if lag:
            fail("I7", f"projection /stats shows a lag once everything is quiet: {stats.get('lag')} (sources {stats.get('sources')})")
    return problems


def check(system: SagaSystem, ledger: Ledger, settle_timeout: float, convergence_timeout: float) -> tuple[list, list, int]:
    """(still pending orders, violations of the last snapshot, snapshots read): the verdict
    after two clean snapshots in a row, or the last one when ``convergence_timeout`` passed."""
    pending = wait_until_final(system, ledger, settle_timeout)
    deadline = time.monotonic() + convergence_timeout
    clean, reads = 0, 0
    while True:
        problems = evaluate(snapshot(system, ledger), ledger)
        reads += 1
        clean = clean + 1 if not problems else 0
        if clean >= 2 or time.monotonic() > deadline:
            return pending, problems, reads
        time.sleep(1)
