#!/usr/bin/env python3
"""Writes the OpenAPI 3.1 documents of the four services and the Swift sources that embed them.

The documents are written by hand, here: one description per route, with the parts every
service shares (the error shape, ids, the operations and admin routes, the response headers)
written once. The output is

  docs/openapi/<service>.json                                   the documents, kept in the repo
  Shared/ServiceKit/HTTP/OpenAPI/OpenAPIDocument+<name>.swift   each document's bytes as a string

Usage:
  scripts/openapi/generate.py           write both
  scripts/openapi/generate.py --check   exit 1 when a written file is not what this script makes
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "openapi"
SWIFT = ROOT / "Shared" / "ServiceKit" / "HTTP" / "OpenAPI"

JSON = "application/json"
INT64_MAX = 9223372036854775807

# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------

ID_RULE = ("1 to 128 bytes of UTF-8 without control characters (U+0000-U+001F, U+007F-U+009F). "
           "JSON Schema's maxLength counts characters, not bytes: 128 is the most characters an id "
           "can have, and a shorter string of multi-byte characters (65 times `é` is 130 bytes) "
           "is still refused with a 400.")

NO_CONTROLS = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def integer(minimum: int | None = None, maximum: int | None = None, description: str | None = None) -> dict:
    schema: dict = {"type": "integer", "format": "int64"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if description:
        schema["description"] = description
    return schema


INTEGER_LITERAL = ("Written as a JSON integer, digits only: `1.0` or `1e3` is a `400 invalid_field`, "
                   "although JSON Schema counts `1.0` as an integer (docs/API.md, \"Numbers\").")


def body_integer(minimum: int | None = None, maximum: int | None = None, description: str | None = None) -> dict:
    """An integer field of a request body: also refused when written with a fraction or an exponent."""
    return integer(minimum, maximum, (description + " " if description else "") + INTEGER_LITERAL)


def obj(properties: dict, required: list[str] | None = None, description: str | None = None, closed: bool = True) -> dict:
    schema: dict = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = list(properties) if required is None else required
    if closed:
        schema["additionalProperties"] = False
    return schema


def nullable(schema: dict) -> dict:
    """The schema, or null: an optional field a client may also send as null (read as absent)."""
    schema = copy.deepcopy(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        if "enum" in schema:
            schema["enum"] = schema["enum"] + [None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


TIME = {"type": "string", "format": "date-time", "description": "RFC 3339 in UTC with milliseconds, e.g. 2026-12-01T10:00:00.000Z."}

COMMON_SCHEMAS = {
    "Id": {
        "type": "string", "minLength": 1, "maxLength": 128, "pattern": NO_CONTROLS,
        "description": "An id: " + ID_RULE,
    },
    "Error": obj({
        "error": obj({
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "snake_case, stable: what a program switches on."},
            "message": {"type": "string", "description": "A sentence for a person."},
        }),
    }, description="Every error, whatever the service and the cause."),
    "Status": obj({"status": {"type": "string"}}),
    "ParkedMessage": obj({
        "id": {"type": "string", "description": "The message id (the event id when the message had one)."},
        "eventType": {"type": "string"},
        "correlationId": {"type": "string"},
        "source": {"type": "string", "description": "The service that published the original (its app_id)."},
        "originalExchange": {"type": "string"},
        "originalRoutingKey": {"type": "string"},
        "reason": {"type": "string", "description": "`malformed` or `max_attempts_exceeded`."},
        "error": {"type": "string", "description": "The last failure's text."},
        "attempts": integer(0),
        "parkedAt": TIME,
        "body": {"type": "string", "description": "The message body as received (it may not be JSON: that can be why it was parked)."},
    }, required=["id", "attempts", "parkedAt", "body"]),
    "DeadLetterPage": obj({
        "deadLetters": {"type": "array", "items": ref("ParkedMessage")},
        "total": integer(0, description="How many messages match the filter, on every page."),
        "limit": integer(1, 500),
        "nextCursor": {"type": "string", "description": "Pass as `cursor` for the next page; absent on the last one."},
    }, required=["deadLetters", "total", "limit"]),
    "DeadLetterOutcome": obj({
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["replayed", "deleted"]},
    }),
}

SOURCE_SCHEMAS = {
    "Envelope": obj({
        "eventId": {"type": "string"},
        "eventType": {"type": "string"},
        "schemaVersion": integer(1),
        "aggregateType": {"type": "string"},
        "aggregateId": {"type": "string"},
        "aggregateVersion": integer(1),
        "occurredAt": TIME,
        "correlationId": {"type": "string"},
        "causationId": {"type": "string", "description": "The event that caused this one; absent for a client's command."},
        "position": integer(1, description="The event's place in its service's store (commit order)."),
        "payload": {"type": "object", "description": "The event's payload (see docs/MESSAGING.md)."},
    }, required=["eventId", "eventType", "schemaVersion", "aggregateType", "aggregateId", "aggregateVersion",
                 "occurredAt", "correlationId", "position", "payload"],
        description="An event's envelope body (contract 4.2) with its position in the store."),
    "EventFeedPage": obj({
        "events": {"type": "array", "items": ref("Envelope")},
        "nextPosition": integer(0, description="Pass as `after` for the next page: the last position of this page, or `after` when it is empty."),
    }),
    "EventList": obj({
        "events": {"type": "array", "items": ref("Envelope")},
    }),
    "SetAsideEvent": obj({
        "position": integer(1), "eventId": {"type": "string"}, "eventType": {"type": "string"},
        "aggregateType": {"type": "string"}, "aggregateId": {"type": "string"}, "correlationId": {"type": "string"},
        "reason": {"type": "string"}, "setAsideAt": TIME,
    }),
    "SetAsidePage": obj({
        "setAside": {"type": "array", "items": ref("SetAsideEvent")},
        "total": integer(0),
    }),
    "SetAsideRetry": obj({
        "position": integer(1),
        "status": {"type": "string", "enum": ["queued"]},
    }),
}

ORDER_STATUS = {"type": "string", "enum": ["PENDING", "CONFIRMED", "CANCELLED"]}
CANCELLATION_REASON = {"type": "string", "enum": ["payment_declined", "out_of_stock", "customer_request", "timeout"]}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "Three upper-case letters (ISO 4217)."}
MONEY = "An integer number of minor units (cents)."

ORDER_ITEM = obj({
    "sku": ref("Id"),
    "quantity": integer(1, 1_000_000),
    "unitPrice": integer(0, 1_000_000_000, description=MONEY),
})

# The same line in a request: fields not described are ignored, as in every request body.
ORDER_LINE = obj({
    "sku": ref("Id"),
    "quantity": body_integer(1, 1_000_000),
    "unitPrice": body_integer(0, 1_000_000_000, description=MONEY),
}, closed=False)

ORDER_FIELDS = {
    "orderId": {"type": "string", "description": "A lower-case UUID made by order-service."},
    "customerId": {"type": "string"},
    "status": ORDER_STATUS,
    "items": {"type": "array", "items": ORDER_ITEM, "minItems": 1, "maxItems": 100},
    "total": integer(0, description=MONEY),
    "currency": CURRENCY,
    "cancellationReason": CANCELLATION_REASON,
    "version": integer(1, description="The order's version: how many events it has."),
    "createdAt": TIME,
    "updatedAt": TIME,
}
ORDER_REQUIRED = ["orderId", "customerId", "status", "items", "total", "currency", "version", "createdAt", "updatedAt"]

PRODUCT_FIELDS = {
    "sku": {"type": "string"},
    "name": {"type": "string"},
    "available": integer(0, 1_000_000_000_000),
    "reserved": integer(0, description="Units held for orders, confirmed ones included."),
    "version": integer(1),
}

# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------

REQUEST_ID = {"$ref": "#/components/headers/X-Request-Id"}
STATUS_TEXT = {
    400: "Invalid input", 401: "No valid admin bearer token", 403: "Admin is off: ADMIN_TOKEN is unset",
    404: "Unknown id", 409: "Conflict", 413: "Body over 64 KiB", 415: "Content-Type is not application/json",
    502: "A source service did not answer", 503: "Not available right now",
}


def headers(**extra: dict) -> dict:
    return {"X-Request-Id": REQUEST_ID, **extra}


def answer(description: str, schema: dict | None = None, media: str = JSON, **extra_headers: dict) -> dict:
    response: dict = {"description": description, "headers": headers(**extra_headers)}
    if schema is not None:
        response["content"] = {media: {"schema": schema}}
    return response


def error(status: int, codes: list[str], description: str | None = None) -> dict:
    text = description or STATUS_TEXT[status]
    schema = {
        "allOf": [ref("Error")],
        "properties": {"error": {"properties": {"code": {"enum": sorted(set(codes))}}}},
    }
    extra = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}} if status == 503 else {}
    return answer(f"{text}. Codes: {', '.join(f'`{code}`' for code in sorted(set(codes)))}.", schema, **extra)


STORE_UNAVAILABLE = ["store_unavailable", "store_busy"]


def errors(status_codes: dict[int, list[str]]) -> dict:
    """The error answers of an operation; every operation may answer 503 when its store cannot be used."""
    merged = {status: list(codes) for status, codes in status_codes.items()}
    merged.setdefault(503, [])
    merged[503] = merged[503] + STORE_UNAVAILABLE
    return {str(status): error(status, codes) for status, codes in sorted(merged.items())}


def not_modified() -> dict:
    return {"description": "Not Modified: `If-None-Match` names the current `ETag` (or is `*`). No body.",
            "headers": headers(ETag={"$ref": "#/components/headers/ETag"})}


def etag() -> dict:
    return {"ETag": {"$ref": "#/components/headers/ETag"}}


def link() -> dict:
    return {"Link": {"$ref": "#/components/headers/Link"}}


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


def path_id(name: str, description: str, example: str | None = None) -> dict:
    parameter = {
        "name": name, "in": "path", "required": True,
        "description": f"{description}, percent-encoded (`caf%C3%A9` is `café`, `a%2Fb` is `a/b`); once decoded, {ID_RULE}",
        "schema": ref("Id"),
    }
    if example:
        parameter["example"] = example
    return parameter


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


VERSION_QUERY = query("version", integer(1, INT64_MAX), "The representation as of this version (a `404` when the aggregate has not reached it).")
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "Entity tags of representations the client holds (`\"v3\"`, a list, or `*`): a match is answered `304` without a body.",
    "schema": {"type": "string"},
}
TEXT_FILTER = {"type": "string", "minLength": 1, "maxLength": 255,
               "description": "1 to 255 bytes (maxLength counts characters; the limit is in bytes)."}
DEAD_LETTER_FILTERS = [
    query("eventType", TEXT_FILTER, "Only messages of this event type."),
    query("reason", TEXT_FILTER, "Only messages parked for this reason (`malformed`, `max_attempts_exceeded`)."),
    query("source", TEXT_FILTER, "Only messages published by this service (their app_id)."),
    query("parkedAfter", {"type": "string", "format": "date-time"}, "Only messages parked at or after this RFC 3339 time."),
    query("parkedBefore", {"type": "string", "format": "date-time"}, "Only messages parked before this RFC 3339 time."),
]
ALL_QUERY = query("all", {"type": "string", "enum": ["true", "false"]},
                  "`true` to take every parked message; without a filter a bulk operation needs it.")


def json_body(schema: dict, description: str, example: dict) -> dict:
    return {"required": True, "description": description + " At most 64 KiB; Content-Type must be application/json. "
            "Fields not described are ignored, but a number written with a fraction or an exponent is refused wherever it stands.", "content": {JSON: {"schema": schema, "example": example}}}


BODY_ERRORS = {400: ["invalid_json", "invalid_field"], 413: ["body_too_large"], 415: ["unsupported_media_type"]}


def with_body_errors(extra: dict[int, list[str]]) -> dict[int, list[str]]:
    merged = {status: list(codes) for status, codes in BODY_ERRORS.items()}
    for status, codes in extra.items():
        merged[status] = merged.get(status, []) + codes
    return merged


def operation(operation_id: str, summary: str, responses: dict, tag: str, *, description: str | None = None,
              parameters: list | None = None, body: dict | None = None, admin: bool = False) -> dict:
    op: dict = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    if admin:
        op["security"] = [{"adminToken": []}]
        responses = {**responses, "401": error(401, ["unauthorized"]), "403": error(403, ["admin_disabled"])}
    op["responses"] = dict(sorted(responses.items()))
    return op


# ---------------------------------------------------------------------------------------------
# Routes every service has
# ---------------------------------------------------------------------------------------------


def operations_routes() -> dict:
    return {
        "/health": {"get": operation("health", "Liveness: 200 while the process runs", {
            "200": answer("The process runs.", obj({"status": {"type": "string", "enum": ["ok"]}})),
        }, "operations")},
        "/ready": {"get": operation("ready", "Readiness: the store is writable and the broker connections and topology are up", {
            "200": answer("Ready.", obj({"status": {"type": "string", "enum": ["ready"]}})),
            "503": error(503, ["not_ready"], "Not ready; the message says why"),
        }, "operations")},
        "/metrics": {"get": operation("metrics", "Prometheus metrics", {
            "200": answer("The Prometheus text format (version 0.0.4).", {"type": "string"}, media="text/plain"),
        }, "operations")},
        "/openapi.json": {"get": operation("openapi", "This document", {
            "200": answer("The OpenAPI 3.1 document of this service, exactly docs/openapi/<service>.json.", {"type": "object"}),
        }, "operations")},
    }


DEAD_LETTER_LINKS = {
    name: {"operationId": operation_id, "parameters": {"id": "$response.body#/deadLetters/0/id"}}
    for name, operation_id in [("ReplayFirst", "replayDeadLetter"), ("DeleteFirst", "deleteDeadLetter")]
}


def dead_letter_routes() -> dict:
    tag = "admin"
    return {
        "/admin/dead-letters": {
            "get": operation("listDeadLetters", "The parked messages, filtered and paged", {
                "200": {**answer("A page, oldest first. When there is more, `nextCursor` and a `Link: <...>; rel=\"next\"` header name the next page.",
                                 ref("DeadLetterPage"), **link()), "links": DEAD_LETTER_LINKS},
                **errors({400: ["invalid_parameter", "invalid_cursor"]}),
            }, tag, admin=True, parameters=DEAD_LETTER_FILTERS + [
                query("limit", integer(1, 500), "Messages per page (default 50)."),
                query("cursor", {"type": "string"}, "The `nextCursor` of the previous page (opaque)."),
            ]),
            "delete": operation("deleteDeadLetters", "Delete every parked message matching a filter", {
                "200": answer("How many were deleted.", obj({"deleted": integer(0)})),
                **errors({400: ["invalid_parameter", "filter_required"]}),
            }, tag, admin=True, parameters=DEAD_LETTER_FILTERS + [ALL_QUERY]),
        },
        "/admin/dead-letters/replay": {
            "post": operation("replayDeadLetters", "Replay every parked message matching a filter to the service's queue", {
                "202": answer("How many were replayed.", obj({"replayed": integer(0)})),
                **errors({400: ["invalid_parameter", "filter_required"], 409: ["replay_in_progress"], 503: ["broker_unavailable"]}),
            }, tag, admin=True, parameters=DEAD_LETTER_FILTERS + [ALL_QUERY]),
        },
        "/admin/dead-letters/{id}/replay": {
            "post": operation("replayDeadLetter", "Replay one parked message to the service's queue", {
                "202": answer("Replayed: the broker has it, the parked copy is gone.", ref("DeadLetterOutcome")),
                **errors({400: ["invalid_id"], 404: ["not_found"], 409: ["replay_in_progress"], 503: ["broker_unavailable"]}),
            }, tag, admin=True, parameters=[path_id("id", "The parked message's id")]),
        },
        "/admin/dead-letters/{id}": {
            "delete": operation("deleteDeadLetter", "Delete one parked message", {
                "200": answer("Deleted.", ref("DeadLetterOutcome")),
                **errors({400: ["invalid_id"], 404: ["not_found"], 409: ["replay_in_progress"]}),
            }, tag, admin=True, parameters=[path_id("id", "The parked message's id")]),
        },
    }


def source_routes(aggregate: str) -> dict:
    """What order-, payment- and inventory-service serve because they keep an event store."""
    return {
        "/events": {"get": operation("eventFeed", "The event feed: the whole store in commit order (contract 4.4)", {
            "200": answer("A page of events. A full page (`limit` events) also carries `Link: <...>; rel=\"next\"` "
                          "with `after` set to `nextPosition`; a shorter page reached the end.", ref("EventFeedPage"), **link()),
            **errors({400: ["invalid_parameter"]}),
        }, "events", parameters=[
            query("after", integer(0, INT64_MAX), "Events after this position (default 0: from the start)."),
            query("limit", integer(1, 1000), "Events per page (default 100)."),
        ])},
        "/admin/outbox/set-aside": {"get": operation("listSetAsideEvents", "Events the outbox relay could not publish", {
            "200": answer("The set-aside events (up to `limit`) and how many there are.", ref("SetAsidePage")),
            **errors({400: ["invalid_parameter"]}),
        }, "admin", admin=True, parameters=[query("limit", integer(1, 1000), "At most this many (default 100).")])},
        "/admin/outbox/set-aside/{position}/retry": {"post": operation("retrySetAsideEvent", "Put a set-aside event back in the outbox", {
            "202": answer("Queued for the relay again.", ref("SetAsideRetry")),
            **errors({400: ["invalid_id", "invalid_request"], 404: ["not_found"]}),
        }, "admin", admin=True, parameters=[{
            "name": "position", "in": "path", "required": True, "description": "The outbox position of the set-aside event.",
            "schema": integer(1, INT64_MAX),
        }])},
    }


def aggregate_read(operation_id: str, summary: str, schema: dict, tag: str, parameters: list, *, versioned: bool,
                   description: str | None = None) -> dict:
    parameters = parameters + ([VERSION_QUERY] if versioned else []) + [IF_NONE_MATCH]
    codes = ["invalid_id", "invalid_parameter"] if versioned else ["invalid_id"]
    return operation(operation_id, summary, {
        "200": answer("The representation, with its `ETag`.", schema, **etag()),
        "304": not_modified(),
        **errors({400: codes, 404: ["not_found"]}),
    }, tag, parameters=parameters, description=description)


# ---------------------------------------------------------------------------------------------
# The services
# ---------------------------------------------------------------------------------------------


ORDER_LINKS = {
    name: {"operationId": operation_id, "parameters": {"orderId": "$response.body#/orderId"}}
    for name, operation_id in [("GetOrder", "getOrder"), ("CancelOrder", "cancelOrder"), ("GetOrderEvents", "getOrderEvents")]
}


def order_service() -> tuple[dict, dict]:
    schemas = {
        "OrderItem": ORDER_ITEM,
        "OrderLine": ORDER_LINE,
        "PlaceOrder": obj({
            "customerId": ref("Id"),
            "currency": CURRENCY,
            "items": {"type": "array", "items": ref("OrderLine"), "minItems": 1, "maxItems": 100},
        }, closed=False),
        "PlacedOrder": obj({"orderId": {"type": "string"}, "status": ORDER_STATUS}),
        "Order": obj({**ORDER_FIELDS, "items": {"type": "array", "items": ref("OrderItem"), "minItems": 1, "maxItems": 100}},
                     required=ORDER_REQUIRED),
    }
    order_id = path_id("orderId", "The order's id")
    location = {"Location": {"$ref": "#/components/headers/Location"}}
    paths = {
        "/orders": {"post": operation("placeOrder", "Place an order: its saga starts", {
            "202": {**answer("Placed, `PENDING`; `Location: /orders/{orderId}`.", ref("PlacedOrder"), **location), "links": ORDER_LINKS},
            "200": answer("A retry under the same `Idempotency-Key` with the same body: the order it placed, in its status now.",
                          ref("PlacedOrder"), **location),
            **errors(with_body_errors({400: ["invalid_request"], 409: ["idempotency_key_reused"]})),
        }, "orders", parameters=[{
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "Makes a retry safe: 1 to 200 bytes without control characters (maxLength counts characters; the limit is in bytes).",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NO_CONTROLS},
        }], body=json_body(ref("PlaceOrder"), "The order: 1 to 100 lines; quantities 1 to 1,000,000; unit prices 0 to 1,000,000,000 minor units.",
                           {"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}]}))},
        "/orders/{orderId}": {"get": aggregate_read(
            "getOrder", "An order (or, with `version`, as it was then)", ref("Order"), "orders", [order_id], versioned=True)},
        "/orders/{orderId}/cancel": {"post": operation("cancelOrder", "Cancel an order at any point of its saga, also once CONFIRMED", {
            "202": answer("This request cancelled it; refund and release follow.", ref("Order")),
            "200": answer("It was already cancelled: unchanged.", ref("Order")),
            **errors({400: ["invalid_id"], 404: ["not_found"], 409: ["concurrency_conflict"]}),
        }, "orders", parameters=[order_id])},
        "/orders/{orderId}/events": {"get": aggregate_read(
            "getOrderEvents", "The order's stored events, oldest first", ref("EventList"), "orders", [order_id], versioned=False)},
    }
    return paths, schemas


def payment_service() -> tuple[dict, dict]:
    schemas = {
        "Deposit": obj({"amount": body_integer(1, 1_000_000_000_000, description=MONEY)}, closed=False),
        "Account": obj({"customerId": {"type": "string"}, "balance": integer(0, description=MONEY), "version": integer(1)}),
        "Payment": obj({
            "orderId": {"type": "string"}, "customerId": {"type": "string"}, "amount": integer(0, description=MONEY),
            "status": {"type": "string", "enum": ["AUTHORIZED", "DECLINED", "REFUNDED"]},
        }),
    }
    customer_id = path_id("customerId", "The customer's id", example="c-1")
    paths = {
        "/accounts/{customerId}/deposits": {"post": operation("deposit", "Deposit money; the first deposit opens the account", {
            "200": answer("The account after the deposit.", ref("Account")),
            **errors(with_body_errors({400: ["invalid_id"], 404: ["not_found"], 409: ["concurrency_conflict"]})),
        }, "accounts", parameters=[customer_id],
            body=json_body(ref("Deposit"), "1 to 10^12 minor units; the balance never exceeds 10^15 through deposits (a `400` when it would).",
                           {"amount": 10000}))},
        "/accounts/{customerId}": {"get": aggregate_read(
            "getAccount", "An account's balance (or, with `version`, as it was then)", ref("Account"), "accounts", [customer_id], versioned=True)},
        "/payments/{orderId}": {"get": aggregate_read(
            "getPayment", "What was charged for an order", ref("Payment"), "payments", [path_id("orderId", "The order's id")], versioned=False)},
    }
    return paths, schemas


def inventory_service() -> tuple[dict, dict]:
    schemas = {
        "Restock": obj({
            "quantity": body_integer(1, 1_000_000_000),
            "name": nullable({"type": "string", "minLength": 1, "maxLength": 200,
                              "description": "The product's name on its first restock (1 to 200 characters); null or absent: the SKU."}),
            "reason": nullable({"type": "string", "enum": ["delivery", "customer_return"], "description": "Default `delivery`."}),
        }, required=["quantity"], closed=False),
        "StockCorrection": obj({
            "available": body_integer(0, 1_000_000_000_000, description="The units counted on the shelf: `available` after the correction."),
            "reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why, in the operator's words (1 to 500 characters)."},
            "expectedVersion": nullable(body_integer(description="Apply only if the product is still at this version (else `409 version_mismatch`).")),
        }, required=["available", "reason"], closed=False),
        "Product": obj(PRODUCT_FIELDS),
    }
    sku = path_id("sku", "The product's SKU", example="SKU-1")
    paths = {
        "/products/{sku}/restock": {"post": operation("restock", "Add stock; the first restock creates the product", {
            "200": answer("The product after the restock.", ref("Product")),
            **errors(with_body_errors({400: ["invalid_id"], 404: ["not_found"], 409: ["concurrency_conflict"]})),
        }, "products", parameters=[sku],
            body=json_body(ref("Restock"), "1 to 10^9 units; no level exceeds 10^12 (a `400` when it would).",
                           {"quantity": 10, "name": "Widget"}))},
        "/products/{sku}": {"get": aggregate_read(
            "getProduct", "A product's stock (or, with `version`, as it was then)", ref("Product"), "products", [sku], versioned=True)},
        "/admin/products/{sku}/corrections": {"post": operation(
            "correctStock", "Set a product's available stock to what was counted", {
                "200": answer("The product after the correction (unchanged when the count matched).", ref("Product")),
                **errors(with_body_errors({400: ["invalid_id"], 404: ["not_found"], 409: ["version_mismatch", "concurrency_conflict"]})),
            }, "admin", admin=True, parameters=[sku], body=json_body(ref("StockCorrection"), "The count.",
                                                                 {"available": 7, "reason": "counted"}))},
    }
    return paths, schemas


def projection_service() -> tuple[dict, dict]:
    order_view = obj({
        **ORDER_FIELDS,
        "items": {"type": "array", "items": ref("OrderItem")},
        "payment": obj({"status": {"type": "string", "enum": ["AUTHORIZED", "DECLINED", "REFUNDED"]}, "amount": integer(0, description=MONEY)}),
        "inventory": obj({"status": {"type": "string", "enum": ["RESERVED", "FAILED", "RELEASED"]}}),
    }, required=ORDER_REQUIRED)
    schemas = {
        "OrderItem": ORDER_ITEM,
        "OrderView": order_view,
        "OrderPage": obj({
            "orders": {"type": "array", "items": ref("OrderView")},
            "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last one."},
        }),
        "TimelineEntry": obj({
            "service": {"type": "string"}, "eventType": {"type": "string"}, "eventId": {"type": "string"},
            "causationId": {"type": "string"}, "correlationId": {"type": "string"}, "aggregateType": {"type": "string"},
            "aggregateId": {"type": "string"}, "aggregateVersion": integer(1), "occurredAt": TIME,
        }, required=["service", "eventType", "eventId", "correlationId", "aggregateType", "aggregateId", "aggregateVersion", "occurredAt"]),
        "Timeline": obj({"events": {"type": "array", "items": ref("TimelineEntry")}}),
        "Customer": obj({
            "customerId": {"type": "string"}, "balance": integer(0, description=MONEY),
            "orders": {"type": "array", "items": ref("OrderView")},
        }),
        "ProductView": obj(PRODUCT_FIELDS),
        "Products": obj({"products": {"type": "array", "items": ref("ProductView")}}),
        "Stats": obj({
            "orders": {"type": "object", "additionalProperties": integer(0), "description": "Orders by status."},
            "sources": {"type": "object", "additionalProperties": obj({
                "lastEventAt": TIME, "eventsApplied": integer(0), "position": integer(0), "headPosition": integer(0),
            }, required=["eventsApplied", "position", "headPosition"], closed=False)},
            "lag": {"type": "object", "additionalProperties": integer(0), "description": "Per source, events committed there and not applied here yet."},
        }, closed=False),
        "RebuildStatus": obj({
            "rebuildId": {"type": "string"},
            "status": {"type": "string", "enum": ["running", "completed", "failed"]},
            "phase": {"type": "string", "description": "`catching_up`, `switching`, then `retiring` once completed."},
            "startedAt": TIME, "finishedAt": TIME, "eventsApplied": integer(0), "durationSeconds": {"type": "number", "minimum": 0},
            "positions": {"type": "object", "additionalProperties": integer(0)}, "error": {"type": "string"},
        }, required=["rebuildId", "status", "startedAt", "eventsApplied"], closed=False),
        "Rebuilds": obj({"rebuilds": {"type": "array", "items": ref("RebuildStatus")}}),
    }
    order_id = path_id("orderId", "The order's id")
    read_side = ("Its `ETag` is the positions applied from the three sources (`\"p12-30-25\"`): it changes with every event the read side applies.")
    paths = {
        "/orders": {"get": operation("listOrders", "Orders, newest first, filtered and paged", {
            "200": answer("A page. When there is more, `nextCursor` and a `Link: <...>; rel=\"next\"` header name the next page.",
                          ref("OrderPage"), **link()),
            **errors({400: ["invalid_parameter"]}),
        }, "read side", parameters=[
            query("status", ORDER_STATUS, "Only orders in this status."),
            query("customerId", ref("Id"), "Only this customer's orders. " + ID_RULE),
            query("limit", integer(1, 500), "Orders per page (default 50)."),
            query("cursor", {"type": "string"}, "The `nextCursor` of the previous page (opaque)."),
        ])},
        "/orders/{orderId}": {"get": aggregate_read(
            "getOrderView", "An order joined with its payment and inventory state", ref("OrderView"), "read side", [order_id],
            versioned=False, description=read_side)},
        "/orders/{orderId}/timeline": {"get": aggregate_read(
            "getTimeline", "Every event of the saga from all services, causes first", ref("Timeline"), "read side", [order_id],
            versioned=False, description=read_side)},
        "/customers/{customerId}": {"get": aggregate_read(
            "getCustomer", "A customer's balance and orders", ref("Customer"), "read side", [path_id("customerId", "The customer's id", example="c-1")],
            versioned=False, description=read_side)},
        "/products": {"get": operation("listProducts", "Every product's stock, by SKU (not paged)", {
            "200": answer("Every product.", ref("Products")),
            **errors({}),
        }, "read side")},
        "/stats": {"get": operation("stats", "Orders by status and, per source, the position applied, the head and the lag", {
            "200": answer("The statistics.", ref("Stats")),
            **errors({}),
        }, "read side")},
        "/admin/rebuild": {
            "post": operation("startRebuild", "Rebuild the read models from the event feeds", {
                "202": answer("Started; `Location: /admin/rebuild/{rebuildId}`.", ref("RebuildStatus"),
                              Location={"$ref": "#/components/headers/Location"}),
                **errors({409: ["rebuild_running"]}),
            }, "admin", admin=True),
            "get": operation("listRebuilds", "The rebuilds of this process", {
                "200": answer("Every rebuild since the process started.", ref("Rebuilds")),
                **errors({}),
            }, "admin", admin=True),
        },
        "/admin/rebuild/{id}": {"get": operation("getRebuild", "One rebuild and its progress", {
            "200": answer("The rebuild.", ref("RebuildStatus")),
            **errors({400: ["invalid_id"], 404: ["not_found"]}),
        }, "admin", admin=True, parameters=[path_id("id", "The rebuild's id")])},
    }
    paths.update(console_routes())
    paths.update(source_admin_proxy_routes())
    return paths, schemas


def console_routes() -> dict:
    """The web console's page and files (docs/CONSOLE.md), served from the binary."""
    text = {"type": "string"}
    return {
        "/console": {"get": operation("getConsole", "The web console's page", {
            "200": answer("The page.", text, media="text/html; charset=utf-8"),
        }, "console")},
        "/console/{file}": {"get": operation("getConsoleFile", "One of the console's files (script, style, image)", {
            "200": {"description": "The file, with its content type.", "headers": headers(),
                    "content": {media: {"schema": text} for media in CONSOLE_MEDIA_TYPES}},
            "404": error(404, ["not_found"]),
        }, "console", parameters=[{"name": "file", "in": "path", "required": True, "description": "The file's name.",
                                   "schema": {"type": "string"}}])},
    }


# The content types ConsoleAssets serves (Services/Projection/ConsoleAssets).
CONSOLE_MEDIA_TYPES = ["text/html; charset=utf-8", "text/css; charset=utf-8", "text/javascript; charset=utf-8", "image/svg+xml"]


def source_admin_proxy_routes() -> dict:
    """The dead-letter routes of order-, payment- and inventory-service, reached through
    projection-service for the console: the source's answer comes back as it is."""
    service = {"name": "service", "in": "path", "required": True, "description": "The source service.",
               "schema": {"type": "string", "enum": ["order-service", "payment-service", "inventory-service"]}}
    routes = {}
    for path, operations in dead_letter_routes().items():
        proxied = {}
        for method, op in operations.items():
            op = copy.deepcopy(op)
            op["operationId"] = "source" + op["operationId"][0].upper() + op["operationId"][1:]
            op["summary"] += " (of a source service, through the console's proxy)"
            op["parameters"] = [service] + op.get("parameters", [])
            op["responses"]["404"] = error(404, ["not_found"])
            op["responses"]["502"] = error(502, ["source_unavailable"])
            op["responses"] = dict(sorted(op["responses"].items()))
            proxied[method] = op
        routes[path.replace("/admin/", "/admin/services/{service}/", 1)] = proxied
    return routes


SERVICES = {
    "order-service": ("orderService", 8081, "Orders and their saga's start and cancellation.", order_service, True),
    "payment-service": ("paymentService", 8082, "Customer accounts (wallets) and the payments of orders.", payment_service, True),
    "inventory-service": ("inventoryService", 8083, "Products, their stock and the operator's stock corrections.", inventory_service, True),
    "projection-service": ("projectionService", 8084, "The read side: orders joined with payment and stock, customers, products, saga timelines.",
                           projection_service, False),
}


def document(service: str) -> dict:
    _, port, summary, build, is_source = SERVICES[service]
    paths, schemas = build()
    all_paths = {**paths}
    if is_source:
        all_paths.update(source_routes(service))
    all_paths.update(dead_letter_routes())
    all_paths.update(operations_routes())
    all_schemas = {**COMMON_SCHEMAS, **(SOURCE_SCHEMAS if is_source else {}), **schemas}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": service,
            "version": "1",
            "summary": summary,
            "description": (
                "JSON in and out. Every error is `{\"error\": {\"code\", \"message\"}}`; bad input is a 4xx, never a 5xx. "
                "Reads of one resource carry an `ETag` and answer `304` to a matching `If-None-Match`; lists say how to page "
                "with `Link: <...>; rel=\"next\"`. See docs/API.md."),
        },
        "servers": [{"url": f"http://127.0.0.1:{port}", "description": "The default listen address (HTTP_HOST, HTTP_PORT)."}],
        "paths": all_paths,
        "components": {
            "schemas": all_schemas,
            "headers": {
                "X-Request-Id": {"description": "The request's id, also in the logs of that request.", "required": True,
                                 "schema": {"type": "string"}},
                "ETag": {"description": "The strong validator of the representation; send it back in `If-None-Match`.", "required": True,
                         "schema": {"type": "string", "pattern": "^\"[\\u0021\\u0023-\\u007E]*\"$"}},
                "Link": {"description": "`<path?query>; rel=\"next\"`: the next page (RFC 8288); absent on the last page.", "required": False,
                         "schema": {"type": "string"}},
                "Location": {"description": "Where the created resource is.", "required": True, "schema": {"type": "string"}},
                "Retry-After": {"description": "Seconds to wait before trying again (when the store is busy or failing).", "required": False,
                                "schema": {"type": "string"}},
            },
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer",
                               "description": "`Authorization: Bearer $ADMIN_TOKEN`. A missing or wrong token is `401`; "
                                              "with ADMIN_TOKEN unset, admin is off (`403`). The guard answers for every path "
                                              "under `/admin/` before the routes do, so an unknown admin path is also `401` "
                                              "(or `403`) to a caller without the token."},
            },
        },
        "tags": [{"name": name} for name in sorted({tag for item in all_paths.values() for op in item.values() for tag in op["tags"]})],
    }


def document_text(service: str) -> str:
    return json.dumps(document(service), indent=2, ensure_ascii=True) + "\n"


def swift_source(service: str, text: str) -> str:
    name = SERVICES[service][0]
    if '"##' in text:
        raise SystemExit(f"{service}: the document holds '\"##', which would end the Swift raw string")
    return (
        "// Generated by scripts/openapi/generate.py from docs/openapi/" + service + ".json: do not edit.\n"
        "// A test checks that this string is exactly the file.\n\n"
        "extension OpenAPIDocument {\n"
        f"    /// The OpenAPI document of {service}: the bytes of docs/openapi/{service}.json.\n"
        f"    static let {name} = ##\"\"\"\n"
        + text + "\n"
        "\"\"\"##\n"
        "}\n"
    )


def outputs() -> dict[Path, str]:
    files = {}
    for service, (name, *_rest) in SERVICES.items():
        text = document_text(service)
        files[DOCS / f"{service}.json"] = text
        files[SWIFT / f"OpenAPIDocument+{name}.swift"] = swift_source(service, text)
    return files


def main(arguments: list[str]) -> int:
    check = "--check" in arguments
    stale = []
    for path, text in outputs().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(path.relative_to(ROOT))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("openapi: not what scripts/openapi/generate.py makes (run it): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
