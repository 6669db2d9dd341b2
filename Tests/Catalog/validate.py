#!/usr/bin/env python3
"""Checks the event catalog (docs/events) and real messages against it with a real JSON Schema
validator (python-jsonschema, 2020-12 for the event schemas, draft-07 for the AsyncAPI 3.0.0
document schema).

Run through Tests/Catalog/validate (which keeps a pinned virtualenv):

  validate documents [--code-catalog FILE]
      The schemas against the 2020-12 meta-schema, asyncapi.yaml against the official AsyncAPI
      3.0.0 schema, every $ref of asyncapi.yaml, and, given the code's own account of its events
      and topology (written by the CatalogTests), that catalog and code agree.
  validate cases FILE
      FILE is a JSON array of cases, each one of
        {"label", "message": body, "headers"?, "headersSchema"?, "properties"?, "exchange"?, "routingKey"?}
        {"label", "schema": "OrderPlaced.v1.json", "instance": payload}
        {"label", "component": "RetryHeaders", "instance": value}
      with "expect": "valid" (the default) or "invalid".

Prints one JSON object (and writes it to --report FILE when given), {"checked": n, "failures": [{"label", "errors": [...]}]}, and exits 0
when there is no failure, 1 when there is one, 2 when it could not run.
"""
import argparse
import json
import pathlib
import sys

import yaml
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
PUBLISHERS = {"orders": "order-service", "payments": "payment-service", "inventory": "inventory-service"}


def describe(errors):
    """One line per validation error: where, then what."""
    lines = []
    for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        lines.append(f"{where}: {error.message}")
    return lines


class Catalog:
    """docs/events as the validators see it: the schema files in one registry, asyncapi.yaml beside them."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.docs = root / "docs" / "events"
        self.schema_dir = self.docs / "schemas"
        self.asyncapi_path = self.docs / "asyncapi.yaml"
        self.asyncapi = yaml.safe_load(self.asyncapi_path.read_text())
        self.schemas = {p.name: json.loads(p.read_text()) for p in sorted(self.schema_dir.glob("*.json"))}
        registry = Registry()
        for name, contents in self.schemas.items():
            registry = registry.with_resource((self.schema_dir / name).as_uri(), Resource.from_contents(contents))
        self.registry = registry.crawl()
        self.format_checker = FormatChecker()
        self._validators = {}

    @property
    def messages(self):
        return self.asyncapi.get("components", {}).get("messages", {})

    def _validator(self, key, schema, base):
        if key not in self._validators:
            schema = {"$schema": DRAFT_2020_12, "$id": base, **schema}
            self._validators[key] = Draft202012Validator(schema, registry=self.registry, format_checker=self.format_checker)
        return self._validators[key]

    def payload_validator(self, file_name):
        if file_name not in self.schemas:
            return None
        return Draft202012Validator(self.schemas[file_name], registry=self.registry, format_checker=self.format_checker)

    def message_validator(self, event_type, version):
        """The AsyncAPI message's payload schema: the envelope with this type's payload schema."""
        message = self.messages.get(f"{event_type}.v{version}")
        if message is None:
            return None
        return self._validator(("message", event_type, version), message["payload"]["schema"], self.asyncapi_path.as_uri())

    def component_validator(self, name):
        schema = self.asyncapi.get("components", {}).get("schemas", {}).get(name)
        if schema is None:
            return None
        return self._validator(("component", name), schema, self.asyncapi_path.as_uri())


# MARK: - documents


def resolve_pointer(document, pointer):
    node = document
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def references(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from references(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, f"{path}/{index}")


def check_documents(catalog: Catalog, asyncapi_schema_path: pathlib.Path, code):
    failures, checked = [], 0

    def fail(label, errors):
        if errors:
            failures.append({"label": label, "errors": errors})

    for name, schema in catalog.schemas.items():
        checked += 1
        fail(f"schema {name} against the 2020-12 meta-schema", describe(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema)))
        if name == "envelope.json":
            continue
        expected = f"{schema.get('x-event-type')}.v{schema.get('x-schema-version')}.json"
        if name != expected:
            fail(f"schema {name}", [f"its x-event-type and x-schema-version name it {expected}"])
        if schema.get("additionalProperties") is not False:
            fail(f"schema {name}", ["a payload schema must say additionalProperties: false (docs/EVENTS.md)"])

    checked += 1
    official = json.loads(asyncapi_schema_path.read_text())
    fail("asyncapi.yaml against the AsyncAPI 3.0.0 schema", describe(Draft7Validator(official).iter_errors(catalog.asyncapi)))

    for path, ref in references(catalog.asyncapi):
        checked += 1
        target, _, fragment = ref.partition("#")
        if target:
            file = (catalog.docs / target).resolve()
            if not file.is_file():
                fail(f"asyncapi.yaml {path}", [f"$ref {ref}: no such file"])
                continue
            document = json.loads(file.read_text())
        else:
            document = catalog.asyncapi
        if fragment:
            try:
                resolve_pointer(document, fragment)
            except KeyError:
                fail(f"asyncapi.yaml {path}", [f"$ref {ref} points at nothing"])

    for name, message in catalog.messages.items():
        payload = message.get("payload", {})
        if "schema" not in payload:
            continue
        checked += 1
        schema = payload["schema"]
        event_type = schema.get("properties", {}).get("eventType", {}).get("const")
        version = schema.get("properties", {}).get("schemaVersion", {}).get("const")
        errors = []
        if name != f"{event_type}.v{version}" or message.get("name") != event_type or message.get("x-schema-version") != version:
            errors.append(f"message {name} names {message.get('name')} version {message.get('x-schema-version')}, its payload {event_type} version {version}")
        if payload.get("schemaFormat") != "application/schema+json;version=draft-2020-12":
            errors.append("its payload's schemaFormat must be application/schema+json;version=draft-2020-12")
        file_name = schema.get("properties", {}).get("payload", {}).get("$ref", "").removeprefix("./schemas/")
        annotated = catalog.schemas.get(file_name, {})
        if (annotated.get("x-event-type"), annotated.get("x-schema-version")) != (event_type, version):
            errors.append(f"its payload refers to {file_name}, which is not {event_type} version {version}")
        if schema.get("properties", {}).get("aggregateType", {}).get("const") != annotated.get("x-aggregate-type"):
            errors.append("its aggregateType is not the payload schema's x-aggregate-type")
        errors += describe(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
        if not errors:
            for example in message.get("examples", []):
                checked += 1
                errors += [f"example {example.get('name')}: {line}" for line in describe(
                    catalog.message_validator(event_type, version).iter_errors(example.get("payload")))]
                if "headers" in example:
                    errors += [f"example {example.get('name')} headers: {line}" for line in describe(
                        catalog.component_validator("EventHeaders").iter_errors(example["headers"]))]
        fail(f"asyncapi.yaml message {name}", errors)

    if code is not None:
        checked_code, code_failures = compare_with_code(catalog, code)
        checked += checked_code
        failures += code_failures
    return checked, failures


def compare_with_code(catalog: Catalog, code):
    """The code's events, versions, routing keys and queues against the schema files and asyncapi.yaml."""
    failures, checked = [], 0
    channels = catalog.asyncapi.get("channels", {})
    known_files, known_messages = {"envelope.json"}, set()
    for event in code["events"]:
        event_type, current = event["eventType"], event["schemaVersion"]
        for version in range(1, current + 1):
            checked += 1
            name = f"{event_type}.v{version}"
            errors = []
            schema = catalog.schemas.get(f"{name}.json")
            known_files.add(f"{name}.json")
            known_messages.add(name)
            if schema is None:
                errors.append(f"docs/events/schemas/{name}.json is missing: every schema version the code knows needs one")
            else:
                for key, field in (("x-aggregate-type", "aggregateType"), ("x-exchange", "exchange"), ("x-routing-key", "routingKey")):
                    if schema.get(key) != event[field]:
                        errors.append(f"{key} is {schema.get(key)!r}, the code says {event[field]!r}")
            channel = channels.get(event["routingKey"])
            if channel is None:
                errors.append(f"asyncapi.yaml has no channel {event['routingKey']}")
            else:
                exchange = channel.get("bindings", {}).get("amqp", {}).get("exchange", {}).get("name")
                if exchange != event["exchange"]:
                    errors.append(f"channel {event['routingKey']} is on exchange {exchange!r}, the code publishes to {event['exchange']!r}")
                if name not in channel.get("messages", {}):
                    errors.append(f"channel {event['routingKey']} does not list message {name}")
            if name not in catalog.messages:
                errors.append(f"asyncapi.yaml has no message {name}")
            if errors:
                failures.append({"label": f"catalog entry {name}", "errors": errors})

    checked += 1
    extra_files = sorted(set(catalog.schemas) - known_files)
    extra_messages = sorted(name for name, m in catalog.messages.items() if "schema" in m.get("payload", {}) and name not in known_messages)
    routing_keys = {event["routingKey"] for event in code["events"]}
    extra_channels = sorted(name for name, c in channels.items()
                            if c.get("bindings", {}).get("amqp", {}).get("is") == "routingKey" and name not in routing_keys)
    errors = [f"schema {name} has no event type or version in the code" for name in extra_files]
    errors += [f"asyncapi.yaml message {name} has no event type or version in the code" for name in extra_messages]
    errors += [f"asyncapi.yaml channel {name} is a routing key no event of the code has" for name in extra_channels]
    if errors:
        failures.append({"label": "catalog entries without code", "errors": errors})

    exchanges = {c.get("bindings", {}).get("amqp", {}).get("exchange", {}).get("name")
                 for c in channels.values() if c.get("bindings", {}).get("amqp", {}).get("is") == "routingKey"}
    checked += 1
    if exchanges != set(code["exchanges"]):
        failures.append({"label": "exchanges", "errors": [f"asyncapi.yaml has {sorted(exchanges)}, the code declares {sorted(code['exchanges'])}"]})

    by_key = {}
    for event in code["events"]:
        by_key.setdefault((event["exchange"], event["routingKey"]), []).append(event)
    for queue in code["queues"]:
        checked += 1
        errors = []
        channel = channels.get(queue["name"])
        if channel is None:
            failures.append({"label": f"queue {queue['name']}", "errors": ["asyncapi.yaml has no channel for it"]})
            continue
        amqp = channel.get("bindings", {}).get("amqp", {})
        if amqp.get("is") != "queue" or amqp.get("queue", {}).get("name") != queue["name"] or channel.get("address") != queue["name"]:
            errors.append("its channel is not the AMQP queue of that name")
        documented = sorted((b["exchange"], b["routingKey"]) for b in channel.get("x-bindings", []))
        actual = sorted((b["exchange"], b["routingKey"]) for b in queue["bindings"])
        if documented != actual:
            errors.append(f"x-bindings are {documented}, the code binds {actual}")
        expected_messages = set()
        for (exchange, routing_key), events in by_key.items():
            if any(b["exchange"] == exchange and b["routingKey"] in ("#", routing_key) for b in queue["bindings"]):
                for event in events:
                    expected_messages |= {f"{event['eventType']}.v{v}" for v in range(1, event["schemaVersion"] + 1)}
        if set(channel.get("messages", {})) != expected_messages:
            errors.append(f"lists messages {sorted(channel.get('messages', {}))}, its bindings deliver {sorted(expected_messages)}")
        for template, example, values in (
            (channels.get("retry", {}).get("address"), queue["retryQueue"], {"service": queue["name"], "delay": str(queue["retryDelay"])}),
            (channels.get("deadLetters", {}).get("address"), queue["deadLetterQueue"], {"service": queue["name"]}),
        ):
            rendered = template
            for key, value in values.items():
                rendered = (rendered or "").replace("{" + key + "}", value)
            if rendered != example:
                errors.append(f"asyncapi.yaml's {template!r} gives {rendered!r}, the code names the queue {example!r}")
        if errors:
            failures.append({"label": f"queue {queue['name']}", "errors": errors})
    return checked, failures


# MARK: - cases


def check_message(catalog: Catalog, case):
    body = case["message"]
    errors = []
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    event_type, version = body.get("eventType"), body.get("schemaVersion")
    validator = catalog.message_validator(event_type, version)
    if validator is None:
        errors.append(f"asyncapi.yaml has no message {event_type}.v{version} (and docs/events/schemas no {event_type}.v{version}.json)")
        envelope = catalog.payload_validator("envelope.json")
        errors += describe(envelope.iter_errors(body))
    else:
        errors += describe(validator.iter_errors(body))
    headers = case.get("headers")
    if headers is not None:
        schema_name = case.get("headersSchema", "EventHeaders")
        header_validator = catalog.component_validator(schema_name)
        if header_validator is None:
            errors.append(f"asyncapi.yaml has no components.schemas.{schema_name}")
        else:
            errors += [f"headers {line}" for line in describe(header_validator.iter_errors(headers))]
        if headers.get("schema-version") != version:
            errors.append(f"header schema-version {headers.get('schema-version')!r} is not the body's schemaVersion {version!r}")
        if headers.get("causation-id") != body.get("causationId"):
            errors.append(f"header causation-id {headers.get('causation-id')!r} is not the body's causationId {body.get('causationId')!r}")
        if "position" in body and headers.get("x-source-position") != body["position"]:
            errors.append("header x-source-position is not the body's position")
    properties = case.get("properties")
    if properties is not None:
        errors += [f"properties {line}" for line in describe(catalog.component_validator("EventProperties").iter_errors(properties))]
        for name, field in (("message_id", "eventId"), ("type", "eventType"), ("correlation_id", "correlationId")):
            if properties.get(name) != body.get(field):
                errors.append(f"property {name} {properties.get(name)!r} is not the body's {field} {body.get(field)!r}")
    exchange = case.get("exchange")
    if exchange is not None:
        message = catalog.messages.get(f"{event_type}.v{version}")
        channel = next((c for c in catalog.asyncapi.get("channels", {}).values()
                        if f"{event_type}.v{version}" in c.get("messages", {}) and c.get("bindings", {}).get("amqp", {}).get("is") == "routingKey"), None)
        if message is not None and channel is None:
            errors.append(f"no routing-key channel lists {event_type}.v{version}")
        elif channel is not None:
            documented = channel["bindings"]["amqp"]["exchange"]["name"]
            if (exchange, case.get("routingKey")) != (documented, channel["address"]):
                errors.append(f"published to {exchange} with {case.get('routingKey')}, documented on {documented} with {channel['address']}")
            if properties is not None and properties.get("app_id") != PUBLISHERS.get(documented):
                errors.append(f"app_id {properties.get('app_id')!r} is not the publisher of {documented}")
    return errors


def check_case(catalog: Catalog, case):
    if "message" in case:
        return check_message(catalog, case)
    if "schema" in case:
        validator = catalog.payload_validator(case["schema"])
        if validator is None:
            return [f"docs/events/schemas/{case['schema']} does not exist"]
        return describe(validator.iter_errors(case["instance"]))
    if "component" in case:
        validator = catalog.component_validator(case["component"])
        if validator is None:
            return [f"asyncapi.yaml has no components.schemas.{case['component']}"]
        return describe(validator.iter_errors(case["instance"]))
    return ["a case needs message, schema or component"]


def check_cases(catalog: Catalog, cases):
    failures = []
    for index, case in enumerate(cases):
        label = case.get("label", f"case {index}")
        errors = check_case(catalog, case)
        expect = case.get("expect", "valid")
        if expect == "valid" and errors:
            failures.append({"label": label, "errors": errors})
        elif expect == "invalid" and not errors:
            failures.append({"label": label, "errors": ["the catalog accepts what it must reject"]})
    return len(cases), failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=pathlib.Path, required=True, help="the package root")
    parser.add_argument("--report", type=pathlib.Path, help="also write the JSON report to this file")
    commands = parser.add_subparsers(dest="command", required=True)
    documents = commands.add_parser("documents")
    documents.add_argument("--code-catalog", type=pathlib.Path)
    cases = commands.add_parser("cases")
    cases.add_argument("file", type=pathlib.Path)
    arguments = parser.parse_args()
    try:
        catalog = Catalog(arguments.root)
        if arguments.command == "documents":
            code = json.loads(arguments.code_catalog.read_text()) if arguments.code_catalog else None
            checked, failures = check_documents(catalog, arguments.root / "Tests" / "Catalog" / "asyncapi-3.0.0.schema.json", code)
        else:
            checked, failures = check_cases(catalog, json.loads(arguments.file.read_text()))
    except (OSError, ValueError, yaml.YAMLError, KeyError) as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        return 2
    report = json.dumps({"checked": checked, "failures": failures}, indent=1)
    print(report)
    if arguments.report:
        arguments.report.write_text(report)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
