"""Generated HTTP requests for every endpoint (contract section 3 and the README's
additions), each with what the contract lets us expect of its answer.

A case knows whether its input is valid (then it must succeed, and its effect is recorded in
the ledger), clearly invalid (then it must be a 4xx, a 400 where the contract says so), or
neither (then only the general rules apply: never a 5xx, the error shape on every 4xx).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Callable

from hypothesis import strategies as st

from .http import Request, Response
from .ids import BROKEN_SEGMENTS, ENCODINGS, any_ids, encode_segment, is_plain_id, is_valid_id, means_the_id, plain_ids
from .ledger import Ledger
from .system import ADMIN_TOKEN

MAX_BODY = 64 * 1024
INT64_MAX = 2**63 - 1


@dataclass
class Case:
    service: str
    route: str
    request: Request
    # Raw bytes an HTTP parser may refuse outright (closing the connection is then acceptable).
    malformed_http: bool = False
    # Specific expectations: each returns a problem sentence or None.
    checks: list = field(default_factory=list)
    # What a success changes in the ledger.
    effect: Callable[[Response], None] | None = None


def expect_status(allowed: set, why: str, rule: str | None = None):
    """The answer's status must be one of ``allowed``; ``rule`` (default ``why``) groups findings."""
    def check(response: Response):
        if response.status not in allowed:
            return f"expected {'/'.join(map(str, sorted(allowed)))} ({why}), got {response.status}: {response.text()}"
        return None
    check.rule = f"status {sorted(allowed)}: {rule or why}"
    return check


def expect_not_success(why: str, rule: str | None = None):
    def check(response: Response):
        if 200 <= response.status < 300:
            return f"expected a 4xx ({why}), got {response.status}: {response.text()}"
        return None
    check.rule = f"rejected: {rule or why}"
    return check


def expect_json_field(name: str, value, why: str):
    def check(response: Response):
        if not 200 <= response.status < 300:
            return None
        try:
            got = response.json().get(name)
        except (ValueError, AttributeError):
            return None  # the general rules report a body that is not JSON
        if got != value:
            return f"expected {name} = {value!r} ({why}), got {got!r}"
        return None
    check.rule = f"{name} echoed: {why}"
    return check


# MARK: Pieces of requests

def auth_headers():
    """(headers, authorized): None when the variant may go either way (RFC 7235 lets a server
    read the scheme case-insensitively)."""
    return st.sampled_from([
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN}".encode())], True),
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN}".encode())], True),
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN}".encode())], True),
        ([], False),
        ([(b"Authorization", b"")], False),
        ([(b"Authorization", b"Bearer")], False),
        ([(b"Authorization", b"Bearer ")], False),
        ([(b"Authorization", b"Bearer wrong-token")], False),
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN}x".encode())], False),
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN[:-1]}".encode())], False),
        ([(b"Authorization", ADMIN_TOKEN.encode())], False),
        ([(b"Authorization", b"Basic " + base64.b64encode(f"admin:{ADMIN_TOKEN}".encode()))], False),
        ([(b"Authorization", f"Token {ADMIN_TOKEN}".encode())], False),
        ([(b"Authorization", f"Bearer  {ADMIN_TOKEN}".encode())], False),
        ([(b"Authorization", f"Bearer {ADMIN_TOKEN}\xc3\xa9".encode("latin-1", "ignore") + "é".encode())], False),
        ([(b"Authorization", f"bearer {ADMIN_TOKEN}".encode())], None),
        ([(b"Authorization", b"Bearer " + b"A" * 5000)], False),
    ])


def content_types():
    """(headers, is JSON): None when a server may read it either way."""
    return st.sampled_from([
        ([(b"Content-Type", b"application/json")], True),
        ([(b"Content-Type", b"application/json")], True),
        ([(b"Content-Type", b"application/json")], True),
        ([(b"Content-Type", b"application/json; charset=utf-8")], True),
        ([(b"Content-Type", b"Application/JSON")], None),
        ([], False),
        ([(b"Content-Type", b"text/plain")], False),
        ([(b"Content-Type", b"application/x-www-form-urlencoded")], False),
        ([(b"Content-Type", b"multipart/form-data; boundary=x")], False),
        ([(b"Content-Type", b"application/xml")], False),
        ([(b"Content-Type", b"")], False),
        ([(b"Content-Type", b"application/jsonp")], None),
    ])


def extra_headers():
    """Headers nobody asked for: conditional requests, odd values, many of them."""
    header = st.sampled_from([
        (b"If-None-Match", b"*"), (b"If-None-Match", b'"abc"'), (b"If-None-Match", b"W/\"1\", \"2\""),
        (b"If-None-Match", b"garbage\x01"), (b"If-Match", b"*"), (b"If-Modified-Since", b"yesterday"),
        (b"Accept", b"application/xml"), (b"Accept", b"*/*;q=0"), (b"Accept-Encoding", b"gzip, br"),
        (b"X-Request-Id", "é".encode() * 50), (b"traceparent", b"00-zz-zz-00"), (b"X-Forwarded-For", b"::1, 300.1.1.1"),
        (b"Cookie", b"a=" + b"b" * 2000), (b"Expect", b"100-continue"), (b"X-Empty", b""),
    ])
    return st.lists(header, max_size=3)


WEIRD_NUMBERS = [0, -1, -(2**63), INT64_MAX, 2**63, 2**64, 10**30, 1.5, 1.0, -0.0, 1e308, "100", None, True, False, [], {}, [1], {"value": 1}]


def is_clearly_invalid_count(value) -> bool:
    """Not a positive integer of Int64 (a quantity or an amount) written as an integer: a float
    (json.dumps writes `1.0`, `1e+308`) is refused even when it is integral (docs/API.md, "Numbers")."""
    if isinstance(value, bool) or not isinstance(value, int):
        return True
    return value <= 0 or value > INT64_MAX


@st.composite
def mutated_body(draw, document: dict, fields: dict):
    """A JSON body from a valid ``document``: unchanged, or one field set to an odd value,
    removed, or an extra one added; or not a JSON object at all. ``fields`` maps each field to
    a function telling whether a value of it is clearly invalid.

    Returns (bytes, validity): True valid, False clearly invalid, None unknown."""
    kind = draw(st.sampled_from(["valid"] * 5 + ["field", "field", "drop", "extra", "broken", "not-object", "empty", "huge", "deep", "nan"]))
    if kind == "valid":
        return json.dumps(document).encode(), True
    if kind == "field":
        name = draw(st.sampled_from(sorted(fields)))
        value = draw(st.one_of(st.sampled_from(WEIRD_NUMBERS), any_ids(), st.integers(-(2**70), 2**70)))
        changed = {**document, name: value}
        invalid = fields[name](value)
        return json.dumps(changed).encode(), (False if invalid else None)
    if kind == "drop":
        name = draw(st.sampled_from(sorted(fields)))
        changed = {key: value for key, value in document.items() if key != name}
        return json.dumps(changed).encode(), (False if fields[name](None) else None)
    if kind == "extra":
        changed = {**document, draw(st.sampled_from(["extra", "__proto__", "total", "orderId", "status", ""])): draw(st.sampled_from(WEIRD_NUMBERS))}
        return json.dumps(changed).encode(), None
    if kind == "broken":
        text = json.dumps(document)
        cut = draw(st.integers(0, 2**20)) % max(1, len(text))
        return text[:cut].encode(), False
    if kind == "not-object":
        return draw(st.sampled_from([b"[]", b"null", b"42", b'"text"', b"true", b"[{}]"])), False
    if kind == "empty":
        return b"", False
    if kind == "huge":
        size = draw(st.sampled_from([MAX_BODY + 1, 100_000, 300_000]))
        changed = {**document, "padding": "x" * size}
        return json.dumps(changed).encode(), False
    if kind == "deep":
        depth = draw(st.sampled_from([100, 1000, 20000]))
        return (b'{"a":' * depth + b"1" + b"}" * depth), (False if depth > 1000 else None)
    return json.dumps(document).replace("}", ', "n": NaN}', 1).encode(), False


@st.composite
def known_or(draw, known, fallback):
    """One of ``known()`` (read when drawn) or, when there is none, a value of ``fallback``.

    Both are always drawn, so the shape of the draws never depends on the system's state
    (Hypothesis replays a seed only if it does not)."""
    index = draw(st.integers(0, 2**20))
    alternative = draw(fallback)
    values = known()
    return values[index % len(values)] if values else alternative


@st.composite
def path_id(draw, known=lambda: [], plain_prefix: str = ""):
    """(segment bytes, the id it means or None, state): state is "plain" (must be accepted),
    "invalid" (must be a 400), "other" (valid by the contract but refused by the services'
    stricter rule, or not meaning one id), or "broken" (a broken percent-encoding)."""
    source = draw(st.sampled_from(["known", "known", "plain", "plain", "any", "any", "broken"]))
    if source == "broken":
        prefix = draw(st.sampled_from([b"", b"a", b"caf"]))
        return prefix + draw(st.sampled_from(BROKEN_SEGMENTS)), None, "broken"
    if source == "known":
        value = draw(known_or(known, plain_ids(plain_prefix)))
    elif source == "plain":
        value = draw(plain_ids(plain_prefix))
    else:
        value = draw(any_ids())
    how = draw(st.sampled_from(ENCODINGS))
    segment = encode_segment(value, how)
    if not means_the_id(value, how) or value == "":
        # An empty segment matches no route (a 404 is fine); a raw one may not mean this id.
        return segment, None, "other"
    if is_plain_id(value):
        return segment, value, "plain"
    if not is_valid_id(value):
        return segment, value, "invalid"
    return segment, value, "other"


def raw_malformed(segment: bytes) -> bool:
    """Bytes that are not allowed in a request target at all (controls, spaces, non-ASCII)."""
    return any(byte <= 0x20 or byte >= 0x7F for byte in segment)


def headers_malformed(headers) -> bool:
    """Header values with control characters: an HTTP parser may refuse the request before
    any route sees it (an empty 400, or a closed connection)."""
    return any(any(byte < 0x20 and byte != 0x09 or byte == 0x7F for byte in value) for _, value in headers)


def id_checks(state: str, value, rest_valid: bool, field_name: str):
    """The contract's rule on an id in a path: an invalid one is a 400."""
    if state == "invalid" and rest_valid:
        return [expect_status({400}, f"{field_name} {value!r} is not 1-128 bytes of UTF-8 without control characters",
                              f"an invalid {field_name} in the path is a 400")]
    if state == "invalid":
        return [expect_not_success(f"{field_name} {value!r} is not a valid id", f"an invalid {field_name} is refused")]
    return []


def version_query():
    """(query string, validity of ?version=)."""
    return st.one_of(
        st.just(("", True)),
        st.integers(1, 5).map(lambda n: (f"?version={n}", True)),
        st.sampled_from([
            ("?version=0", False), ("?version=-1", False), ("?version=abc", False), ("?version=", False),
            ("?version=1.5", False), ("?version=99999999999999999999", False), ("?version=9223372036854775807", True),
            ("?version=%31", True), ("?version=１", False), ("?version=1e2", False), ("?version=0x1", False),
            ("?version=1&version=2", None), ("?version=+1", None), ("?version=%00", False), ("?version=1%20", None),
        ]),
    )


# MARK: Endpoint strategies

class HTTPCases:
    """The strategies of every endpoint, over the ledger of what exists."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    # order-service

    @st.composite
    def place_order(draw, self):
        ledger = self.ledger
        customer = draw(st.one_of(known_or(lambda: sorted(ledger.deposits), plain_ids("c-")), plain_ids("c-")))
        lines = draw(st.lists(
            st.fixed_dictionaries({
                "sku": st.one_of(known_or(lambda: sorted(ledger.stock), plain_ids("s-")), plain_ids("s-")),
                "quantity": st.integers(1, 5),
                "unitPrice": st.integers(0, 5000),
            }), min_size=1, max_size=3))
        document = {"customerId": customer, "currency": draw(st.sampled_from(["USD", "EUR", "JPY"])), "items": lines}
        variant = draw(st.sampled_from(["valid"] * 4 + ["customer", "currency", "items", "line", "body"]))
        validity = True
        if variant == "customer":
            value = draw(any_ids())
            document["customerId"] = value
            validity = True if is_plain_id(value) else (False if not is_valid_id(value) else None)
        elif variant == "currency":
            document["currency"] = draw(st.sampled_from(["", "usd", "US", "USDX", "€€€", 1, None, "U\u0000D"]))
            validity = False if not isinstance(document["currency"], str) else None
        elif variant == "items":
            document["items"] = draw(st.sampled_from([[], None, "items", {}, [None], [[]], [{}]]))
            validity = False if document["items"] is None or not isinstance(document["items"], list) or document["items"] in ([None], [[]], [{}]) else None
        elif variant == "line":
            index = draw(st.integers(0, len(lines) - 1))
            name = draw(st.sampled_from(["sku", "quantity", "unitPrice"]))
            if name == "sku":
                value = draw(any_ids())
                lines[index]["sku"] = value
                validity = True if is_plain_id(value) else (False if not is_valid_id(value) else None)
            else:
                value = draw(st.one_of(st.sampled_from(WEIRD_NUMBERS), st.integers(-(2**70), 2**70)))
                lines[index][name] = value
                if name == "quantity":
                    validity = False if is_clearly_invalid_count(value) else None
                else:
                    validity = False if (isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > INT64_MAX) else None
        if variant == "body":
            body, validity = draw(mutated_body(
                {"customerId": customer, "currency": "USD", "items": lines},
                {"customerId": lambda v: not isinstance(v, str) or not is_valid_id(v), "currency": lambda v: not isinstance(v, str),
                 "items": lambda v: not isinstance(v, list)}))
        else:
            body = json.dumps(document).encode()
        types, is_json = draw(content_types())
        headers = list(types)
        key = None
        if draw(st.integers(0, 3)) == 0:
            key = draw(st.one_of(
                known_or(lambda: sorted(ledger.idempotency), st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True)),
                st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True),
                st.sampled_from(["", " ", "x" * 200, "x" * 201, "é" * 10, "k\u0001", "k" * 5000]),
            ))
            headers.append((b"Idempotency-Key", key.encode("utf-8")))
        headers += draw(extra_headers())
        rest_valid = validity is True and is_json is True
        checks = []
        if is_json is False:
            checks.append(expect_not_success("the content type is not JSON"))
        elif validity is False and variant in ("customer", "line") and not is_json is False:
            checks.append(expect_not_success(f"the body carries an invalid id or number: {body[:300]!r}", f"an invalid {variant} field is refused"))
        elif validity is False:
            checks.append(expect_not_success("the body is invalid"))
        if key is not None and any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
            key_malformed = True
        else:
            key_malformed = False
        replay = None
        if rest_valid and key is not None and key in ledger.idempotency:
            fields = ledger.idempotency[key][0]
            replay = fields == _order_fields(document)
            if replay:
                checks.append(expect_status({200}, "the same Idempotency-Key with the same body is a replay"))
                checks.append(expect_json_field("orderId", ledger.idempotency[key][1], "a replay returns the same order"))
            else:
                checks.append(expect_status({409}, "a reused Idempotency-Key with a different body is 409"))
        elif rest_valid and (key is None or re.fullmatch(r"[A-Za-z0-9-]{1,40}", key)):
            checks.append(expect_status({202}, "a valid order is accepted"))

        def effect(response: Response):
            if response.status not in (200, 202) or validity is False:
                return
            try:
                order_id = response.json()["orderId"]
                placed = json.loads(body)
            except (ValueError, KeyError, TypeError):
                return
            if isinstance(order_id, str) and isinstance(placed, dict) and order_id not in ledger.orders:
                ledger.orders[order_id] = placed
            if key is not None and key not in ledger.idempotency and isinstance(placed, dict):
                ledger.idempotency[key] = (_order_fields(placed), order_id)

        return Case("order-service", "POST /orders", Request("POST", b"/orders", headers, body), malformed_http=key_malformed,
                    checks=checks, effect=effect)

    @st.composite
    def read_order(draw, self):
        segment, value, state = draw(path_id(lambda: list(self.ledger.orders)))
        suffix, route = draw(st.sampled_from([(b"", "GET /orders/{id}"), (b"/events", "GET /orders/{id}/events")]))
        query, version_valid = draw(version_query()) if not suffix else ("", True)
        checks = id_checks(state, value, version_valid is True, "orderId")
        if state == "plain" and version_valid is False:
            checks.append(expect_status({400}, f"{query} is not a version", "an invalid ?version= is a 400"))
        if state == "plain" and value in self.ledger.orders and version_valid is True and query in ("", "?version=1"):
            checks.append(expect_status({200}, "the order was placed"))
            checks.append(expect_json_field("orderId", value, "the order asked for") if not suffix else expect_status({200}, "its events"))
        elif state == "plain" and value not in self.ledger.orders and version_valid is True:
            checks.append(expect_status({404}, "no such order"))
        target = b"/orders/" + segment + suffix + query.encode()
        return Case("order-service", route, Request("GET", target, draw(extra_headers())), malformed_http=raw_malformed(segment), checks=checks)

    @st.composite
    def cancel_order(draw, self):
        segment, value, state = draw(path_id(lambda: list(self.ledger.orders)))
        checks = id_checks(state, value, True, "orderId")
        if state == "plain" and value in self.ledger.orders:
            checks.append(expect_status({200, 202}, "any placed order can be cancelled, a CONFIRMED one included (contract 2)"))
        elif state == "plain":
            checks.append(expect_status({404}, "no such order"))
        body = draw(st.sampled_from([None, b"", b"{}", b"garbage"]))
        headers = [(b"Content-Type", b"application/json")] if body else []
        return Case("order-service", "POST /orders/{id}/cancel", Request("POST", b"/orders/" + segment + b"/cancel", headers, body),
                    malformed_http=raw_malformed(segment), checks=checks)

    # payment-service

    @st.composite
    def deposit(draw, self):
        segment, value, state = draw(path_id(lambda: sorted(self.ledger.deposits), "c-"))
        amount = draw(st.integers(1, 100_000))
        body, validity = draw(mutated_body({"amount": amount}, {"amount": is_clearly_invalid_count}))
        types, is_json = draw(content_types())
        rest_valid = validity is True and is_json is True
        checks = id_checks(state, value, rest_valid, "customerId")
        if validity is False or is_json is False:
            checks.append(expect_not_success("the body or its content type is invalid"))
        if state == "plain" and rest_valid:
            checks.append(expect_status({200}, "a valid deposit"))
            checks.append(expect_json_field("customerId", value, "the path's id, percent-decoded"))

        def effect(response: Response):
            if response.status != 200:
                return
            try:
                parsed = json.loads(body)
                credited = parsed["amount"]
                customer = value if value is not None else response.json()["customerId"]
            except (ValueError, KeyError, TypeError):
                return
            if isinstance(credited, int) and not isinstance(credited, bool):
                self.ledger.record_deposit(customer, credited)

        target = b"/accounts/" + segment + b"/deposits"
        return Case("payment-service", "POST /accounts/{id}/deposits", Request("POST", target, types + draw(extra_headers()), body),
                    malformed_http=raw_malformed(segment), checks=checks, effect=effect)

    @st.composite
    def read_account(draw, self):
        segment, value, state = draw(path_id(lambda: sorted(self.ledger.deposits), "c-"))
        query, version_valid = draw(version_query())
        checks = id_checks(state, value, version_valid is True, "customerId")
        if state == "plain" and version_valid is False:
            checks.append(expect_status({400}, f"{query} is not a version", "an invalid ?version= is a 400"))
        if state == "plain" and version_valid is True and query in ("", "?version=1"):
            if value in self.ledger.deposits:
                checks.append(expect_status({200}, "the account was opened by a deposit"))
                checks.append(expect_json_field("customerId", value, "the path's id, percent-decoded"))
            else:
                checks.append(expect_status({404}, "no such account"))
        return Case("payment-service", "GET /accounts/{id}", Request("GET", b"/accounts/" + segment + query.encode(), draw(extra_headers())),
                    malformed_http=raw_malformed(segment), checks=checks)

    @st.composite
    def read_payment(draw, self):
        segment, value, state = draw(path_id(lambda: list(self.ledger.orders)))
        checks = id_checks(state, value, True, "orderId")
        return Case("payment-service", "GET /payments/{id}", Request("GET", b"/payments/" + segment, draw(extra_headers())),
                    malformed_http=raw_malformed(segment), checks=checks)

    # inventory-service

    @st.composite
    def restock(draw, self):
        segment, value, state = draw(path_id(lambda: sorted(self.ledger.stock), "s-"))
        document = {"quantity": draw(st.integers(1, 1000))}
        if draw(st.booleans()):
            document["name"] = draw(st.sampled_from(["Widget", "Gadget", "Ünïcødé", "名前"]))
        if draw(st.integers(0, 3)) == 0:
            document["reason"] = draw(st.sampled_from(["delivery", "customer_return"]))
        body, validity = draw(mutated_body(document, {
            "quantity": is_clearly_invalid_count,
            "name": lambda v: v is not None and not isinstance(v, str),
            "reason": lambda v: v is not None and v not in ("delivery", "customer_return"),
        }))
        types, is_json = draw(content_types())
        rest_valid = validity is True and is_json is True
        checks = id_checks(state, value, rest_valid, "sku")
        if validity is False or is_json is False:
            checks.append(expect_not_success("the body or its content type is invalid"))
        if state == "plain" and rest_valid:
            checks.append(expect_status({200}, "a valid restock"))
            checks.append(expect_json_field("sku", value, "the path's id, percent-decoded"))

        def effect(response: Response):
            if response.status != 200:
                return
            try:
                quantity = json.loads(body)["quantity"]
                sku = value if value is not None else response.json()["sku"]
            except (ValueError, KeyError, TypeError):
                return
            if isinstance(quantity, int) and not isinstance(quantity, bool):
                self.ledger.record_restock(sku, quantity)

        return Case("inventory-service", "POST /products/{sku}/restock",
                    Request("POST", b"/products/" + segment + b"/restock", types + draw(extra_headers()), body),
                    malformed_http=raw_malformed(segment), checks=checks, effect=effect)

    @st.composite
    def read_product(draw, self):
        segment, value, state = draw(path_id(lambda: sorted(self.ledger.stock), "s-"))
        query, version_valid = draw(version_query())
        checks = id_checks(state, value, version_valid is True, "sku")
        if state == "plain" and version_valid is False:
            checks.append(expect_status({400}, f"{query} is not a version", "an invalid ?version= is a 400"))
        if state == "plain" and version_valid is True and query in ("", "?version=1"):
            if value in self.ledger.stock:
                checks.append(expect_status({200}, "the product was created by a restock"))
                checks.append(expect_json_field("sku", value, "the path's id, percent-decoded"))
            else:
                checks.append(expect_status({404}, "no such product"))
        return Case("inventory-service", "GET /products/{sku}", Request("GET", b"/products/" + segment + query.encode(), draw(extra_headers())),
                    malformed_http=raw_malformed(segment), checks=checks)

    @st.composite
    def correct_stock(draw, self):
        segment, value, state = draw(path_id(lambda: sorted(self.ledger.stock), "s-"))
        document = {"available": draw(st.integers(0, 2000)), "reason": draw(st.sampled_from(["shelf count", "damaged", "é" * 10]))}
        if draw(st.booleans()):
            document["expectedVersion"] = draw(st.integers(-1, 30))
        body, validity = draw(mutated_body(document, {
            "available": lambda v: isinstance(v, bool) or not isinstance(v, int) or v < 0,
            "reason": lambda v: not isinstance(v, str),
            "expectedVersion": lambda v: v is not None and (isinstance(v, bool) or not isinstance(v, int)),
        }))
        auth, authorized = draw(auth_headers())
        types, is_json = draw(content_types())
        checks = []
        # Every path under /admin wants the token first, routed or not (an empty segment, or a raw
        # one carrying `/`, `?` or `#`, is no route, and still a 401): nothing tells a caller
        # without it which admin paths exist.
        if authorized is False:
            checks.append(expect_status({401}, "admin without a valid bearer token"))
        elif authorized:
            checks += id_checks(state, value, validity is True and is_json is True, "sku")
            if validity is False or is_json is False:
                checks.append(expect_not_success("the body or its content type is invalid"))
            if state == "plain" and value not in self.ledger.stock and validity is True and is_json is True:
                checks.append(expect_status({404}, "no such product"))

        def effect(response: Response):
            if response.status == 200:
                self.ledger.corrected.add(value if value is not None else response.json().get("sku"))

        return Case("inventory-service", "POST /admin/products/{sku}/corrections",
                    Request("POST", b"/admin/products/" + segment + b"/corrections", auth + types, body),
                    malformed_http=raw_malformed(segment), checks=checks, effect=effect)

    # every source service

    @st.composite
    def event_feed(draw, self):
        service = draw(st.sampled_from(["order-service", "payment-service", "inventory-service"]))
        after = draw(st.one_of(st.none(), st.integers(0, 10**4).map(str), st.sampled_from(
            ["-1", "abc", "", "1.5", str(INT64_MAX), str(2**63), "99999999999999999999", "%30", "0x10", "１"])))
        limit = draw(st.one_of(st.none(), st.integers(1, 1000).map(str), st.sampled_from(["0", "-5", "1001", "abc", "", "1e3", str(2**64)])))
        parts = []
        if after is not None:
            parts.append(f"after={after}")
        if limit is not None:
            parts.append(f"limit={limit}")
        target = "/events" + ("?" + "&".join(parts) if parts else "")

        def integer(text, low, high):
            if text is None:
                return True
            decoded = text.replace("%30", "0")
            return bool(re.fullmatch(r"[0-9]+", decoded)) and low <= int(decoded) <= high

        checks = []
        if integer(after, 0, INT64_MAX) and integer(limit, 1, 1000):
            checks.append(expect_status({200}, "a valid feed request"))
            checks.append(feed_shape)
        elif (after is not None and not re.fullmatch(r"\+?[0-9%3]+", after)) or (limit is not None and not re.fullmatch(r"\+?[0-9]+", limit)):
            checks.append(expect_status({400}, "after/limit must be integers in range"))
        else:
            checks.append(expect_not_success("after/limit out of range"))
        return Case(service, "GET /events", Request("GET", target.encode(), []), checks=checks)

    @st.composite
    def dead_letters(draw, self):
        service = draw(st.sampled_from(["order-service", "payment-service", "inventory-service", "projection-service"]))
        auth, authorized = draw(auth_headers())
        action = draw(st.sampled_from(["list", "list", "replay", "delete"]))
        checks = []
        if authorized is False:
            checks.append(expect_status({401}, "admin without a valid bearer token"))
        if action == "list":
            offset = draw(st.one_of(st.none(), st.integers(0, 100).map(str), st.sampled_from(["-1", "abc", "1000001", str(2**64)])))
            limit = draw(st.one_of(st.none(), st.integers(1, 500).map(str), st.sampled_from(["0", "501", "x", "-1"])))
            parts = ([f"offset={offset}"] if offset is not None else []) + ([f"limit={limit}"] if limit is not None else [])
            target = "/admin/dead-letters" + ("?" + "&".join(parts) if parts else "")
            # Listing pages with a cursor: `offset` is not a parameter (ignored), only `limit` is checked.
            valid = limit is None or (limit.isdigit() and 1 <= int(limit) <= 500)
            if authorized:
                checks.append(expect_status({200} if valid else {400}, "listing parked messages" if valid else "limit out of range"))
            return Case(service, "GET /admin/dead-letters", Request("GET", target.encode(), auth), checks=checks)
        segment, value, state = draw(path_id(lambda: list(self.ledger.dead_letter_ids.get(service, []))))
        # 401 without the token whatever the segment: an empty one, or a raw one carrying `/`,
        # `?` or `#`, reaches no route, and the guard answers before the router says so.
        if authorized:
            checks += id_checks(state, value, True, "id")
            if state == "plain" and value not in self.ledger.dead_letter_ids.get(service, []):
                checks.append(expect_status({404}, "no parked message with that id"))
        if action == "replay":
            request = Request("POST", b"/admin/dead-letters/" + segment + b"/replay", auth)
            route = "POST /admin/dead-letters/{id}/replay"
        else:
            request = Request("DELETE", b"/admin/dead-letters/" + segment, auth)
            route = "DELETE /admin/dead-letters/{id}"
        return Case(service, route, request, malformed_http=raw_malformed(segment), checks=checks)

    # projection-service

    @st.composite
    def projection_read(draw, self):
        kind = draw(st.sampled_from(["order", "timeline", "customer", "list", "list", "products", "stats"]))
        if kind in ("order", "timeline", "customer"):
            known = (lambda: list(self.ledger.orders)) if kind != "customer" else (lambda: sorted(self.ledger.customers()))
            segment, value, state = draw(path_id(known))
            base = b"/customers/" if kind == "customer" else b"/orders/"
            target = base + segment + (b"/timeline" if kind == "timeline" else b"")
            route = {"order": "GET /orders/{id}", "timeline": "GET /orders/{id}/timeline", "customer": "GET /customers/{id}"}[kind]
            return Case("projection-service", route, Request("GET", target, draw(extra_headers())),
                        malformed_http=raw_malformed(segment), checks=id_checks(state, value, True, "id"))
        if kind == "list":
            status = draw(st.one_of(st.none(), st.sampled_from(["PENDING", "CONFIRMED", "CANCELLED", "pending", "", "DONE", "CONFIRMED%00"])))
            limit = draw(st.one_of(st.none(), st.integers(1, 500).map(str), st.sampled_from(["0", "501", "-1", "x", str(2**64)])))
            customer = draw(st.one_of(st.none(), any_ids()))
            cursor = draw(st.one_of(st.none(), st.sampled_from(["", "garbage", "%%%", "eHx5", base64.urlsafe_b64encode(b"2026|x").decode(), "AAAA"])))
            parts = []
            if status is not None:
                parts.append(f"status={status}")
            if limit is not None:
                parts.append(f"limit={limit}")
            if customer is not None:
                parts.append("customerId=" + encode_segment(customer, "quote").decode())
            if cursor is not None:
                parts.append(f"cursor={cursor}")
            target = "/orders" + ("?" + "&".join(parts) if parts else "")
            checks = []
            status_ok = status is None or status in ("PENDING", "CONFIRMED", "CANCELLED")
            limit_ok = limit is None or (limit.isdigit() and 1 <= int(limit) <= 500)
            if not status_ok or not limit_ok:
                checks.append(expect_status({400}, "status must be PENDING/CONFIRMED/CANCELLED and limit 1-500"))
            elif customer is not None and not is_valid_id(customer):
                checks.append(expect_status({400}, "a customerId filter that breaks the id rule"))
            elif cursor is None:
                checks.append(expect_status({200}, "a valid listing"))
            return Case("projection-service", "GET /orders?…", Request("GET", target.encode(), []), checks=checks)
        target = b"/products" if kind == "products" else b"/stats"
        return Case("projection-service", f"GET {target.decode()}", Request("GET", target, draw(extra_headers())),
                    checks=[expect_status({200}, "always readable")])

    @st.composite
    def rebuild(draw, self):
        auth, authorized = draw(auth_headers())
        action = draw(st.sampled_from(["start", "list", "status", "status"]))
        checks = [expect_status({401}, "admin without a valid bearer token")] if authorized is False else []
        if action == "start":
            if authorized:
                checks.append(expect_status({202, 409}, "a rebuild starts, or one is running"))

            def effect(response: Response):
                if response.status == 202:
                    try:
                        self.ledger.rebuild_ids.append(response.json()["rebuildId"])
                    except (ValueError, KeyError, TypeError):
                        pass
            return Case("projection-service", "POST /admin/rebuild", Request("POST", b"/admin/rebuild", auth), checks=checks, effect=effect)
        if action == "list":
            if authorized:
                checks.append(expect_status({200}, "the list of rebuilds"))
            return Case("projection-service", "GET /admin/rebuild", Request("GET", b"/admin/rebuild", auth), checks=checks)
        segment, value, state = draw(path_id(lambda: list(self.ledger.rebuild_ids)))
        if authorized:
            checks += id_checks(state, value, True, "id")
            if state == "plain":
                checks.append(expect_status({200} if value in self.ledger.rebuild_ids else {404}, "a rebuild of this process, or none"))
        return Case("projection-service", "GET /admin/rebuild/{id}", Request("GET", b"/admin/rebuild/" + segment, auth),
                    malformed_http=raw_malformed(segment), checks=checks)

    # anything else

    @st.composite
    def operations(draw, self):
        service = draw(st.sampled_from(["order-service", "payment-service", "inventory-service", "projection-service"]))
        path = draw(st.sampled_from(["/health", "/ready", "/metrics"]))
        checks = [expect_status({200}, "the process runs")] if path == "/health" else []
        return Case(service, f"GET {path}", Request("GET", path.encode(), draw(extra_headers())), checks=checks)

    @st.composite
    def odd_request(draw, self):
        """Any method on any route or a mutated one, with odd headers and bodies."""
        service = draw(st.sampled_from(["order-service", "payment-service", "inventory-service", "projection-service"]))
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "FOO"]))
        template = draw(st.sampled_from([
            "/orders", "/orders/{}", "/orders/{}/cancel", "/orders/{}/events", "/orders/{}/timeline", "/accounts/{}/deposits",
            "/accounts/{}", "/payments/{}", "/products", "/products/{}", "/products/{}/restock", "/customers/{}", "/stats",
            "/events", "/admin/dead-letters", "/admin/rebuild", "/admin/products/{}/corrections", "/", "", "//orders",
            "/orders/{}/{}", "/ORDERS", "/orders/", "/orders/../accounts/x", "/%2e%2e/health", "/health?" + "a=1&" * 200,
            "/" + "x" * 5000, "/orders?limit=1&limit=2", "*",
        ]))
        segment = draw(st.one_of(st.sampled_from([b"x", b"", b"%2F", b"%00", b"..", b"%"]), any_ids().map(lambda v: encode_segment(v, "quote"))))
        target = template.encode().replace(b"{}", segment)
        if not target:
            target = b"/"
        headers = list(draw(content_types())[0]) + draw(extra_headers())
        body = draw(st.one_of(st.none(), st.sampled_from([b"", b"{}", b"[", b"\x00\xff\xfe", b"{\"amount\": 1}", b"x" * 70_000])))
        if method == "HEAD":
            body = None
        return Case(service, f"{method} {template}", Request(method, target, headers, body),
                    malformed_http=method in ("FOO", "TRACE") or template == "*" or raw_malformed(target))

    def any_case(self):
        return st.one_of(
            self.place_order(), self.place_order(), self.read_order(), self.cancel_order(),
            self.deposit(), self.deposit(), self.read_account(), self.read_payment(),
            self.restock(), self.restock(), self.read_product(), self.correct_stock(),
            self.event_feed(), self.dead_letters(), self.projection_read(), self.rebuild(),
            self.operations(), self.odd_request(), self.odd_request(),
        )


def _order_fields(document):
    return json.dumps({key: document.get(key) for key in ("customerId", "currency", "items")}, sort_keys=True) if isinstance(document, dict) else None


def feed_shape(response: Response):
    if response.status != 200:
        return None
    try:
        document = response.json()
    except ValueError:
        return None
    if not isinstance(document.get("events"), list) or not isinstance(document.get("nextPosition"), int):
        return f"a feed page is {{\"events\": [...], \"nextPosition\": n}}, got {response.text()}"
    if any(not isinstance(event, dict) or not isinstance(event.get("position"), int) for event in document["events"]):
        return "every event of a feed carries its position"
    return None


feed_shape.rule = "feed page shape"
