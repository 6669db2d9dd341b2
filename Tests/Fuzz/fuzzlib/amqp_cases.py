"""Generated AMQP messages: valid envelopes of every event type (contract 4.2 and the
services' account and product events), mutated in their fields, payloads, properties and
headers, or not envelopes at all, published to every exchange with every routing key and
straight to every service queue.

Messages that reach a saga service carry ids of their own (never one the HTTP side used):
the services trust their broker, so a well-formed forged event about a real order may
legitimately change it. Messages sent only to projection-service's queue may name real
orders, customers and products: the read side must not apply an event its source's feed
does not have.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import strategies as st

from .http_cases import INT64_MAX, known_or
from .ids import any_ids
from .ledger import Ledger

EXCHANGES = ["orders", "payments", "inventory"]
QUEUES = ["order-service", "payment-service", "inventory-service", "projection-service"]
BINDINGS = {
    "payment-service": {("orders", "order.placed"), ("orders", "order.cancelled"), ("inventory", "inventory.reservation_failed")},
    "inventory-service": {("payments", "payment.authorized"), ("orders", "order.cancelled")},
    "order-service": {("inventory", "inventory.reserved"), ("payments", "payment.declined"), ("payments", "payment.refunded")},
}
REQUIRED_METADATA = {
    "eventId": str, "eventType": str, "schemaVersion": int, "aggregateType": str, "aggregateId": str,
    "aggregateVersion": int, "occurredAt": str, "correlationId": str,
}

# event type → (aggregate type, exchange, routing key, payload fields)
EVENTS = {
    "OrderPlaced": ("Order", "orders", "order.placed"),
    "OrderConfirmed": ("Order", "orders", "order.confirmed"),
    "OrderCancelled": ("Order", "orders", "order.cancelled"),
    "PaymentAuthorized": ("Payment", "payments", "payment.authorized"),
    "PaymentDeclined": ("Payment", "payments", "payment.declined"),
    "PaymentRefunded": ("Payment", "payments", "payment.refunded"),
    "AccountDeposited": ("Account", "payments", "account.deposited"),
    "AccountDebited": ("Account", "payments", "account.debited"),
    "AccountCredited": ("Account", "payments", "account.credited"),
    "InventoryReserved": ("Inventory", "inventory", "inventory.reserved"),
    "InventoryReservationFailed": ("Inventory", "inventory", "inventory.reservation_failed"),
    "InventoryReleased": ("Inventory", "inventory", "inventory.released"),
    "ProductRestocked": ("Product", "inventory", "product.restocked"),
    "ProductStockCorrected": ("Product", "inventory", "product.stock_corrected"),
    "ProductReserved": ("Product", "inventory", "product.reserved"),
    "ProductReleased": ("Product", "inventory", "product.released"),
}
ROUTING_KEYS = sorted({key for _, _, key in EVENTS.values()}) + ["", "#", "*", "order.*", "unknown.key", "x" * 255]

WEIRD_VALUES = [0, -1, INT64_MAX, -(2**63), 2**63, 2**64, 1.5, 1e308, "", "1", "x" * 300, None, True, [], {}, [1, 2], {"a": {"b": []}}]
WEIRD_DATES = ["", "yesterday", "2026-13-45T99:99:99Z", "2026-11-22T17:00:00Z", "2026-11-22T17:00:00.000+05:00",
               "9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", 12345, None]


@dataclass
class Message:
    exchange: str
    routing_key: str
    body: bytes
    properties: dict
    headers: dict
    queues: list = field(default_factory=list)  # the queues it reaches
    malformed: bool = False                      # not an envelope for any consumer: must be parked
    description: str = ""

    def describe(self, limit: int = 700) -> str:
        body = self.body.decode("utf-8", "backslashreplace")
        if len(body) > limit:
            body = f"{body[:limit]}… ({len(self.body)} bytes)"
        headers = {key: (value if len(repr(value)) < 200 else f"{repr(value)[:200]}…") for key, value in self.headers.items()}
        return (f"publish exchange={self.exchange!r} routing_key={self.routing_key[:80]!r} ({self.description})\n"
                f"  properties: {self.properties}\n  headers: {headers}\n  body: {body}")


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def is_malformed(body: bytes) -> bool:
    """Not an envelope whatever the consumer: not a JSON object, or a required field missing,
    null, or of the wrong JSON type."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return True
    if not isinstance(document, dict):
        return True
    for name, kind in REQUIRED_METADATA.items():
        value = document.get(name)
        if value is None or isinstance(value, bool):
            return True
        if kind is str and not isinstance(value, str):
            return True
        if kind is int and not isinstance(value, (int, float)):
            return True
    return False


def route(exchange: str, routing_key: str) -> list[str]:
    if exchange == "":
        return [routing_key] if routing_key in QUEUES else []
    queues = [queue for queue, bindings in BINDINGS.items() if (exchange, routing_key) in bindings]
    return queues + ["projection-service"]


# Accounts and products of the forged messages' own, funded and stocked over HTTP before the
# AMQP phase (not in the ledger): forged events about them reach real decisions (a debit, a
# reservation), not only "unknown id" refusals.
FORGED_CUSTOMERS = ["m-c-1", "m-c-2"]
FORGED_SKUS = ["m-sku-1", "m-sku-2"]


class AMQPCases:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def fuzz_id(self, draw, honest_allowed: bool, pool: list | None = None):
        """An id for a forged message: odd ones included, never one of the honest side's
        unless ``honest_allowed``."""
        value = draw(st.one_of(any_ids(), st.from_regex(r"m-[a-z0-9]{1,12}", fullmatch=True),
                               st.sampled_from(pool or ["m-order-1"])))
        honest = draw(known_or(lambda: sorted(self.ledger.ids()), st.just("m-none")))
        use_honest = draw(st.integers(0, 2)) == 0
        if honest_allowed and use_honest:
            return honest
        if value in self.ledger.ids():
            return "m-" + value
        return value

    @st.composite
    def payload(draw, self, event_type: str, honest: bool):
        order_id = self.fuzz_id(draw, honest)
        customer = self.fuzz_id(draw, honest, FORGED_CUSTOMERS)
        sku = self.fuzz_id(draw, honest, FORGED_SKUS)
        quantity = draw(st.integers(1, 5))
        amount = draw(st.integers(0, 10_000))
        lines = [{"sku": sku, "quantity": quantity}]
        base = {
            "OrderPlaced": {"orderId": order_id, "customerId": customer, "currency": "USD",
                            "items": [{"sku": sku, "quantity": quantity, "unitPrice": amount}], "total": quantity * amount,
                            "placedAt": now_text()},
            "OrderConfirmed": {"orderId": order_id, "confirmedAt": now_text()},
            "OrderCancelled": {"orderId": order_id, "customerId": customer, "reason": "customer_request", "cancelledAt": now_text()},
            "PaymentAuthorized": {"orderId": order_id, "customerId": customer, "amount": amount, "items": lines},
            "PaymentDeclined": {"orderId": order_id, "customerId": customer, "amount": amount, "reason": "no_account"},
            "PaymentRefunded": {"orderId": order_id, "customerId": customer, "amount": amount, "reason": "out_of_stock"},
            "AccountDeposited": {"customerId": customer, "amount": amount, "balance": amount},
            "AccountDebited": {"customerId": customer, "orderId": order_id, "amount": amount, "balance": 0},
            "AccountCredited": {"customerId": customer, "orderId": order_id, "amount": amount, "balance": amount},
            "InventoryReserved": {"orderId": order_id, "items": lines},
            "InventoryReservationFailed": {"orderId": order_id, "items": lines, "reason": "insufficient_stock", "skus": [sku]},
            "InventoryReleased": {"orderId": order_id, "items": lines},
            "ProductRestocked": {"sku": sku, "name": "Forged", "quantity": quantity, "available": quantity, "reserved": 0, "reason": "delivery"},
            "ProductStockCorrected": {"sku": sku, "quantity": quantity, "reason": "forged", "available": quantity, "reserved": 0},
            "ProductReserved": {"sku": sku, "orderId": order_id, "quantity": quantity, "available": 0, "reserved": quantity},
            "ProductReleased": {"sku": sku, "orderId": order_id, "quantity": quantity, "available": quantity, "reserved": 0},
        }[event_type]
        return base, order_id

    @st.composite
    def envelope(draw, self, honest: bool):
        """(body bytes, event type, description) of a valid or mutated envelope."""
        mutation = draw(st.sampled_from([
            "none", "none", "none", "field", "field", "drop", "payload-field", "payload-field", "payload-drop", "overflow",
            "overflow", "overflow", "overflow", "schema", "date", "position", "position", "type", "items", "payload-shape",
            "raw", "truncated", "huge", "empty", "not-object",
        ]))
        if mutation == "overflow":
            # The events whose numbers a saga service adds up or multiplies.
            event_type = draw(st.sampled_from(["PaymentAuthorized", "PaymentAuthorized", "PaymentAuthorized", "OrderPlaced",
                                               "InventoryReservationFailed", "InventoryReserved", "PaymentRefunded", "OrderCancelled"]))
        else:
            event_type = draw(st.sampled_from(sorted(EVENTS)))
        aggregate_type, _, _ = EVENTS[event_type]
        payload, order_id = draw(self.payload(event_type, honest))
        document = {
            "eventId": str(draw(st.uuids())), "eventType": event_type,
            "schemaVersion": 2 if event_type == "ProductRestocked" else 1,
            "aggregateType": aggregate_type, "aggregateId": payload.get("orderId") or payload.get("customerId") or payload.get("sku"),
            "aggregateVersion": draw(st.integers(1, 20)), "occurredAt": now_text(), "correlationId": order_id,
            "causationId": str(draw(st.uuids())), "payload": payload,
        }
        if mutation == "field":
            name = draw(st.sampled_from(sorted(document)))
            document[name] = draw(st.one_of(st.sampled_from(WEIRD_VALUES), any_ids()))
        elif mutation == "drop":
            document.pop(draw(st.sampled_from(sorted(document))))
        elif mutation == "payload-field":
            name = draw(st.sampled_from(sorted(payload)))
            payload[name] = draw(st.one_of(st.sampled_from(WEIRD_VALUES), any_ids(), st.integers(-(2**63), INT64_MAX)))
        elif mutation == "payload-drop":
            payload.pop(draw(st.sampled_from(sorted(payload))))
        elif mutation == "overflow":
            # Numbers whose sums or products pass Int64.max (per line, per SKU, per account).
            big = draw(st.sampled_from([INT64_MAX, 2**62, INT64_MAX // 2 + 1, 2**63 - 2]))
            for name in ("amount", "quantity", "total", "balance", "available", "reserved"):
                if name in payload:
                    payload[name] = big
            if "items" in payload:
                sku = payload["items"][0]["sku"] if payload["items"] else "m-sku"
                line = {"sku": sku, "quantity": big}
                if event_type == "OrderPlaced":
                    line["unitPrice"] = draw(st.sampled_from([1, 2, big]))
                payload["items"] = [dict(line), dict(line)] + [dict(line)] * draw(st.integers(0, 2))
        elif mutation == "schema":
            document["schemaVersion"] = draw(st.sampled_from([0, -1, 2, 3, 999, INT64_MAX, -(2**63), "1", 1.5, None]))
        elif mutation == "date":
            field_name = draw(st.sampled_from(["occurredAt"] + [name for name in payload if name.endswith("At")]))
            target = document if field_name == "occurredAt" else payload
            target[field_name] = draw(st.sampled_from(WEIRD_DATES))
        elif mutation == "position":
            document["position"] = draw(st.one_of(st.integers(1, 60), st.sampled_from([0, -1, INT64_MAX, "1", 1.5, None])))
        elif mutation == "type":
            document["eventType"] = draw(st.sampled_from(sorted(EVENTS) + ["Unknown", "", "orderplaced", "OrderPlaced\u0000"]))
            document["aggregateType"] = draw(st.sampled_from(["Order", "Payment", "Account", "Inventory", "Product", "Nope", ""]))
        elif mutation == "items":
            if "items" in payload:
                payload["items"] = draw(st.sampled_from([
                    [], None, "items", [{}], [{"sku": "m-x"}], [{"sku": "m-x", "quantity": -5}], [{"sku": "m-x", "quantity": 0}],
                    [{"sku": "", "quantity": 1}], [{"sku": "x" * 129, "quantity": 1}], [{"sku": "é" * 65, "quantity": 1}],
                    [{"sku": "a\u0000b", "quantity": 1}], [{"sku": f"m-{n}", "quantity": 1} for n in range(2000)],
                ]))
            else:
                payload["items"] = [{"sku": "m-x", "quantity": 1}]
        elif mutation == "payload-shape":
            document["payload"] = draw(st.sampled_from([None, [], "payload", 42, {}, {"nested": {"deep": [payload]}}]))
        elif mutation == "raw":
            return draw(st.binary(max_size=200)), event_type, "random bytes"
        elif mutation == "truncated":
            text = json.dumps(document)
            return text[: draw(st.integers(0, 2**20)) % max(1, len(text))].encode(), event_type, "truncated JSON"
        elif mutation == "huge":
            document["padding"] = "x" * draw(st.sampled_from([70_000, 100_000, 300_000]))
        elif mutation == "empty":
            return b"", event_type, "empty body"
        elif mutation == "not-object":
            return draw(st.sampled_from([b"[]", b"null", b"1", b'"x"', b"[{}]"])), event_type, "JSON that is not an object"
        return json.dumps(document).encode(), event_type, f"{event_type}, mutation {mutation}"

    @st.composite
    def headers(draw, self):
        chosen = {}
        for name, values in [
            ("x-attempts", [1, 2, 3, 0, -1, -(2**31), 2**31 - 1, INT64_MAX, -(2**63), "3", Decimal("2.5"), True, None, {"n": 1}, [1]]),
            ("x-source-position", [1, 2, 5, 0, -1, INT64_MAX, 2**40, "7", Decimal("1.5"), None]),
            ("causation-id", ["", "not-a-uuid", "x" * 10_000, 42]),
            ("schema-version", [1, 2, 0, -1, INT64_MAX, "1", Decimal("1.5")]),
            ("traceparent", ["00-zz-zz-00", "", "x" * 1000]),
            ("x-original-exchange", ["", "nope", "orders"]),
            ("x-original-routing-key", ["", "order.placed", "x" * 255]),
            ("x-parked-reason", ["malformed", "max_attempts_exceeded"]),
        ]:
            if draw(st.integers(0, 4)) == 0:
                chosen[name] = draw(st.sampled_from(values))
        if draw(st.integers(0, 9)) == 0:
            # "" is legal on the wire but undecodable: the message is parked as malformed.
            names = ["x-huge", "é-header", "", "x" * 128, "x" * 255]
            chosen[draw(st.sampled_from(names))] = draw(st.sampled_from(["y" * 100_000, b"\x00\xff", {"a": [1, {"b": None}]}]))
        return chosen

    @st.composite
    def properties(draw, self, body: bytes, event_type: str):
        try:
            event_id = json.loads(body).get("eventId")
        except (ValueError, AttributeError, UnicodeDecodeError):
            event_id = None
        message_id = draw(st.sampled_from(["event", "event", "event", "absent", "random", "empty", "long"]))
        properties = {"content_type": draw(st.sampled_from(["application/json", "application/json", "text/plain", None])),
                      "delivery_mode": draw(st.sampled_from([2, 2, 1, None]))}
        properties["message_id"] = {
            "event": event_id if isinstance(event_id, str) and len(event_id.encode()) <= 255 else None,
            "absent": None, "random": str(draw(st.uuids())), "empty": "", "long": "m" * 255,
        }[message_id]
        properties["type"] = draw(st.sampled_from([event_type, event_type, None, "Unknown"]))
        properties["correlation_id"] = draw(st.sampled_from([None, "m-corr", ""]))
        properties["app_id"] = draw(st.sampled_from([None, "order-service", "payment-service", "inventory-service", "fuzz"]))
        properties["timestamp"] = draw(st.sampled_from([None, 0, 1_700_000_000, 2**63 - 1]))
        return {key: value for key, value in properties.items() if value is not None}

    @st.composite
    def message(draw, self):
        target = draw(st.sampled_from(["exchange", "exchange", "exchange", "queue", "queue", "projection"]))
        if target == "exchange":
            exchange = draw(st.sampled_from(EXCHANGES))
        elif target == "queue":
            exchange = ""
        else:
            exchange = ""
        honest = target == "projection"
        body, event_type, description = draw(self.envelope(honest))
        natural_exchange, natural_key = EVENTS[event_type][1], EVENTS[event_type][2]
        if target == "exchange":
            if draw(st.booleans()):
                exchange, routing_key = natural_exchange, natural_key
            else:
                routing_key = draw(st.sampled_from(ROUTING_KEYS))
        elif target == "queue":
            routing_key = draw(st.sampled_from(["order-service", "payment-service", "inventory-service"]))
        else:
            routing_key = "projection-service"
        headers = draw(self.headers())
        properties = draw(self.properties(body, event_type))
        return Message(exchange=exchange, routing_key=routing_key, body=body, properties=properties, headers=headers,
                       queues=route(exchange, routing_key), malformed=is_malformed(body) or "" in headers,
                       description=description)
