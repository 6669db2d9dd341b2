"""Parked messages as the services keep them: each service's dead-letter keeper moves what lands
in `<service>.dead-letters` into its own store, so the admin API, not the broker queue, is where
they are counted. One message id is one row (a message parked again replaces its row)."""

from fuzzlib import http
from fuzzlib.system import ADMIN_TOKEN, SERVICES

AUTH = [(b"Authorization", f"Bearer {ADMIN_TOKEN}".encode())]


def listing(system, service: str):
    """`GET /admin/dead-letters?limit=500` of one service (raises http.NoResponse)."""
    return http.send(system.services[service].port, http.Request("GET", b"/admin/dead-letters?limit=500", AUTH))


def totals(system) -> dict:
    """{service: rows parked} for every service that answers."""
    result = {}
    for service in SERVICES:
        try:
            response = listing(system, service)
        except http.NoResponse:
            continue
        if response.status == 200:
            result[service] = response.json().get("total", 0)
    return result
