"""The rules every HTTP answer must keep (contract section 3), whatever the input."""

from __future__ import annotations

import json
import re

from .http import NoResponse, Response
from .http_cases import Case, headers_malformed, raw_malformed

ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def judge(case: Case, outcome: Response | NoResponse) -> list[tuple[tuple, str, str]]:
    """(signature, title, detail) for every rule the answer breaks."""
    where = f"{case.service} {case.route}"
    shown = case.request.describe()
    if isinstance(outcome, NoResponse):
        if case.malformed_http or raw_malformed(case.request.target) or headers_malformed(case.request.headers):
            return []
        return [(("no-response", case.service, case.route), f"{where}: no answer",
                 f"{outcome}\nrequest:\n{shown}")]
    response = outcome
    problems = []

    def add(kind: str, title: str, detail: str, *key):
        problems.append(((kind, case.service, case.route, *key), f"{where}: {title}",
                         f"{detail}\nrequest:\n{shown}\nresponse: {response.status} {response.text()}"))

    # Bytes that are not HTTP (controls in the target or a header) may be refused by the HTTP
    # parser before any route runs: then only "never a 5xx" applies.
    lenient = case.malformed_http or raw_malformed(case.request.target) or headers_malformed(case.request.headers)
    if response.status >= 500:
        add("5xx", f"answered {response.status}", "never a 5xx for any input (contract 3)", response.status)
    if lenient:
        return problems
    if 400 <= response.status < 500 and case.request.method != "HEAD":
        shape = error_shape_problem(response)
        if shape:
            add("error-shape", f"{response.status} not in the error shape", shape, response.status)
    elif 200 <= response.status < 300 and case.request.method != "HEAD" and case.route != "GET /metrics":
        try:
            json.loads(response.body)
        except ValueError:
            add("not-json", f"{response.status} body is not JSON", "JSON in and out (contract 3)")
    if response.status == 304:
        # A conditional GET whose If-None-Match names the current ETag (or is `*`) is answered
        # 304 without a body (docs/API.md): it stands for the 200 the case expects.
        problem = not_modified_problem(case, response)
        if problem:
            add("not-modified", "304 that is not an answer to a matching If-None-Match", problem)
        return problems
    for check in case.checks:
        problem = check(response)
        if problem:
            add("expect", check.rule, problem, check.rule)
    return problems


def not_modified_problem(case: Case, response: Response) -> str | None:
    conditions = [value for name, value in case.request.headers if name.lower() == b"if-none-match"]
    if case.request.method != "GET" or not conditions:
        return "a 304 answers only a GET with If-None-Match"
    etag = response.headers.get("etag")
    if not etag:
        return "a 304 carries the ETag"
    if response.body:
        return "a 304 has no body"
    named = any(value.strip() == b"*" or etag.encode() in value for value in conditions)
    return None if named else f"If-None-Match {conditions!r} does not name the ETag {etag}"


def error_shape_problem(response: Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"Content-Type is {response.headers.get('content-type')!r}, not application/json"
    try:
        document = json.loads(response.body)
    except ValueError:
        return "the body is not JSON"
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return 'expected {"error": {"code": "...", "message": "..."}}'
    if not ERROR_CODE.match(error["code"]):
        return f"error code {error['code']!r} is not snake_case"
    return None
