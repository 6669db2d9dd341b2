"""The web console in headless Chromium against the running system.

The tests run in file order and share one system and one browser tab: the page loads, an order
waits PENDING while payment-service is down and turns CONFIRMED in the page when it comes back,
its timeline shows the saga with an arrow from every cause to its effect, and two malformed
messages parked by payment-service are replayed, deleted and bulk-deleted from the page. Every
id the page shows comes from markup-like strings, which must appear as text and never run.
A screenshot of each state goes to the artifacts directory.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pika
import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from fuzzlib.system import ADMIN_TOKEN

# Ids that are markup: the page must show them as text. Each would set window.__injected if it ran.
CUSTOMER = '<img src=x onerror="window.__injected=1">'
SKU = "<script>window.__injected=2</script>"
PARKED_IDS = ['<script>window.__injected=3</script> one', '<b onmouseover="window.__injected=4">two</b> é']
# Waits guard against a hang only; nothing here measures how long anything takes.
PATIENCE = 60

shared: dict = {}


def quoted(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def call(system, service: str, method: str, path: str, body=None, token: str | None = None):
    """One request to a service: (status, decoded JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{system.services[service].base_url}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, None


def until(browser, condition, message: str):
    """Waits for `condition(browser)` to hold (truthy); elements a re-render replaced are looked up again."""
    return WebDriverWait(browser, PATIENCE, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]).until(
        condition, message)


def texts(browser, selector: str) -> list[str]:
    """The text of every element matching `selector`, read at one instant (no stale elements)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(node => node.textContent)", selector)


def click(browser, selector: str, attribute: str | None = None, value: str | None = None) -> None:
    """Clicks the element matching `selector` (and, given, whose `attribute` is `value`), once the page shows it."""
    def press(b):
        for element in b.find_elements(By.CSS_SELECTOR, selector):
            if attribute is None or element.get_attribute(attribute) == value:
                element.click()
                return True
        return False
    until(browser, press, f"nothing to click at {selector} {attribute}={value!r}")


def eventually(predicate, message: str, browser):
    """Waits for `predicate()` (no browser needed) to be truthy; returns its value."""
    return WebDriverWait(browser, PATIENCE).until(lambda _: predicate(), message)


def screenshot(browser, artifacts, name: str) -> None:
    browser.save_screenshot(str(artifacts / f"{name}.png"))


def console_url(system, fragment: str) -> str:
    return f"{system.services['projection-service'].base_url}/console?poll=500#{fragment}"


def nothing_injected(browser) -> None:
    assert browser.execute_script("return window.__injected === undefined"), "a rendered id ran as script"
    assert browser.execute_script("return document.querySelectorAll('main img, main script, main b').length") == 0


def test_the_console_loads_from_the_binary_with_status_counts(system, browser, artifacts):
    status, stats = call(system, "projection-service", "GET", "/stats")
    assert status == 200
    browser.get(console_url(system, "/orders/CONFIRMED"))
    counts = until(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-count]"), "the status counts never showed")
    assert [count.get_attribute("data-count") for count in counts] == ["PENDING", "CONFIRMED", "CANCELLED"]
    assert browser.find_element(By.CSS_SELECTOR, "[data-count=CONFIRMED]").text == str(stats["orders"]["CONFIRMED"])
    screenshot(browser, artifacts, "01-orders-empty")


def test_the_console_is_served_with_a_strict_policy_and_unknown_files_are_404(system):
    base = system.services["projection-service"].base_url
    with urllib.request.urlopen(f"{base}/console", timeout=30) as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("nope.js", "..%2FPackage.swift", "%00"):
        status, body = call(system, "projection-service", "GET", f"/console/{name}")
        assert status in (400, 404) and "code" in body["error"], (name, status, body)


def test_an_order_waits_pending_and_turns_confirmed_in_the_page(system, browser, artifacts):
    assert call(system, "payment-service", "POST", f"/accounts/{quoted(CUSTOMER)}/deposits", {"amount": 100000})[0] in (200, 201)
    assert call(system, "inventory-service", "POST", f"/products/{quoted(SKU)}/restock",
                {"quantity": 10, "name": "Widget <i>bold</i>"})[0] in (200, 201)
    # Payment-service down: the order stays PENDING until it is back.
    assert system.services["payment-service"].stop() == 0
    status, placed = call(system, "order-service", "POST", "/orders", {
        "customerId": CUSTOMER, "currency": "USD", "items": [{"sku": SKU, "quantity": 2, "unitPrice": 1250}],
    })
    assert status == 202, placed
    order_id = placed["orderId"]
    shared["order_id"] = order_id
    row = f'tr[data-order-id="{order_id}"]'

    try:
        click(browser, "button[data-status=PENDING]")
        until(browser, lambda b: texts(b, f"{row} td")[1:3] == [CUSTOMER, "PENDING"],
              "the pending order never showed under PENDING")
        screenshot(browser, artifacts, "02-order-pending")
    finally:
        system.services["payment-service"].start()
        system.save_state()
        system.services["payment-service"].wait_ready()
    until(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, row), "the order never left PENDING in the page")
    click(browser, "button[data-status=CONFIRMED]")
    until(browser, lambda b: texts(b, f"{row} td")[1:4] == [CUSTOMER, "CONFIRMED", "25.00 USD"],
          "the order never showed under CONFIRMED")
    until(browser, lambda b: b.find_element(By.CSS_SELECTOR, "[data-count=CONFIRMED]").text == "1",
          "the CONFIRMED count never showed 1")
    nothing_injected(browser)
    screenshot(browser, artifacts, "03-order-confirmed")


def test_the_timeline_draws_an_arrow_from_every_cause_to_its_effect(system, browser, artifacts):
    order_id = shared["order_id"]
    status, timeline = call(system, "projection-service", "GET", f"/orders/{quoted(order_id)}/timeline")
    assert status == 200
    events = timeline["events"]
    ids = {event["eventId"] for event in events}
    expected = {(event["causationId"], event["eventId"]) for event in events if event.get("causationId") in ids}
    assert {"OrderPlaced", "PaymentAuthorized", "InventoryReserved", "OrderConfirmed"} <= {e["eventType"] for e in events}
    assert len(expected) >= 3

    click(browser, f'tr[data-order-id="{order_id}"] a')
    until(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#timeline-graph g.event")) == len(events),
          "the timeline never showed every event")
    drawn = browser.execute_script("""
        const graph = document.getElementById("timeline-graph");
        return {
          arrows: Array.from(graph.querySelectorAll("path.arrow")).map(a => [a.dataset.cause, a.dataset.effect]),
          lanes: Array.from(graph.querySelectorAll(".lane-label")).map(l => l.textContent),
          boxes: Array.from(graph.querySelectorAll("g.event")).map(g => [g.dataset.eventId, g.getAttribute("class")]),
        };""")
    assert {tuple(arrow) for arrow in drawn["arrows"]} == expected
    assert len(drawn["arrows"]) == len(expected)
    assert drawn["lanes"][:3] == ["order-service", "payment-service", "inventory-service"]
    classes = dict(drawn["boxes"])
    for event in events:
        assert "service-" + event["service"] in classes[event["eventId"]].split()
    assert order_id in browser.find_element(By.ID, "timeline-title").text
    nothing_injected(browser)
    screenshot(browser, artifacts, "04-timeline")


def park_malformed(system, message_id: str) -> None:
    """Publishes a body that is no envelope straight to payment-service's queue: it is parked as malformed."""
    connection = pika.BlockingConnection(pika.URLParameters(system.broker.amqp_url))
    try:
        channel = connection.channel()
        channel.basic_publish("", "payment-service", b"not an envelope <b>at all</b>",
                              pika.BasicProperties(message_id=message_id, delivery_mode=2))
    finally:
        connection.close()


def parked(system, service: str = "payment-service") -> dict:
    status, page = call(system, "projection-service", "GET", f"/admin/services/{service}/dead-letters?limit=500",
                        token=ADMIN_TOKEN)
    assert status == 200, page
    return {message["id"]: message for message in page["deadLetters"]}


def test_the_proxy_to_the_sources_dead_letters_needs_the_token_and_a_source(system, browser):
    status, body = call(system, "projection-service", "GET", "/admin/services/payment-service/dead-letters")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = call(system, "projection-service", "GET", "/admin/services/payment-service/dead-letters",
                        token="not-the-token")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = call(system, "projection-service", "GET", "/admin/services/rabbitmq/dead-letters", token=ADMIN_TOKEN)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = call(system, "projection-service", "DELETE", "/admin/services/payment-service/dead-letters",
                        token=ADMIN_TOKEN)
    assert status == 400 and body["error"]["code"] == "filter_required"
    status, body = call(system, "projection-service", "GET",
                        "/admin/services/payment-service/dead-letters?parkedAfter=yesterday", token=ADMIN_TOKEN)
    assert status == 400 and body["error"]["code"] == "invalid_parameter"


def test_parked_messages_are_replayed_and_deleted_from_the_page(system, browser, artifacts):
    for message_id in PARKED_IDS:
        park_malformed(system, message_id)
    eventually(lambda: set(PARKED_IDS) <= parked(system).keys(), "the malformed messages were never parked", browser)
    before = parked(system)[PARKED_IDS[0]]

    browser.get(console_url(system, "/dead-letters/payment-service"))
    until(browser, lambda b: "admin token" in b.find_element(By.ID, "dl-summary").text,
          "the page never asked for the admin token")
    browser.find_element(By.ID, "token").send_keys(ADMIN_TOKEN)
    browser.find_element(By.ID, "token-save").click()
    assert browser.execute_script("return sessionStorage.getItem('saga-console.admin-token')") == ADMIN_TOKEN

    def rows(b):
        return texts(b, "#dl-table tbody tr td.id")

    until(browser, lambda b: set(PARKED_IDS) <= set(rows(b)), "the parked messages never showed in the page")
    assert browser.find_element(By.ID, "dl-summary").text == "payment-service: 2 parked"
    nothing_injected(browser)
    screenshot(browser, artifacts, "05-dead-letters")

    # Replay the first: it goes back to payment-service's queue, is malformed again and parked anew.
    click(browser, "#dl-table tbody tr button.replay", "data-for", PARKED_IDS[0])
    until(browser, lambda b: b.find_element(By.ID, "notice").text ==
          f"Replayed message {PARKED_IDS[0]} on payment-service.", "the page never said the message was replayed")
    eventually(lambda: PARKED_IDS[0] in parked(system) and parked(system)[PARKED_IDS[0]]["parkedAt"] != before["parkedAt"],
               "the replayed message was never parked again", browser)
    screenshot(browser, artifacts, "06-replayed")

    # Delete the second: gone from the page and from payment-service.
    until(browser, lambda b: PARKED_IDS[1] in rows(b), "the second message left the page before its delete")
    click(browser, "#dl-table tbody tr button.delete", "data-for", PARKED_IDS[1])
    until(browser, lambda b: PARKED_IDS[1] not in rows(b) and PARKED_IDS[0] in rows(b),
          "the deleted message never left the page")
    assert PARKED_IDS[1] not in parked(system)
    status, _ = call(system, "payment-service", "DELETE", f"/admin/dead-letters/{quoted(PARKED_IDS[1])}", token=ADMIN_TOKEN)
    assert status == 404
    screenshot(browser, artifacts, "07-deleted")

    # Delete by filter: every malformed message of payment-service.
    browser.find_element(By.CSS_SELECTOR, "#dl-filter input[name=reason]").send_keys("malformed")
    click(browser, "#dl-delete-matching")
    until(browser, lambda b: b.find_element(By.ID, "notice").text ==
          "Deleted 1 matching message(s) on payment-service.", "the page never reported the bulk delete")
    until(browser, lambda b: not rows(b), "the bulk-deleted message never left the page")
    assert parked(system) == {}
    nothing_injected(browser)
    screenshot(browser, artifacts, "08-bulk-deleted")


def test_the_projection_lists_its_own_dead_letters_in_the_same_view(system, browser, artifacts):
    click(browser, "button[data-service=projection-service]")
    until(browser, lambda b: b.find_element(By.ID, "dl-summary").text.startswith("projection-service: "),
          "the projection's own dead letters never showed")
    status, page = call(system, "projection-service", "GET", "/admin/dead-letters", token=ADMIN_TOKEN)
    assert status == 200
    assert browser.find_element(By.ID, "dl-summary").text.startswith(f"projection-service: {page['total']} parked")


def test_lags_and_throughput_show_every_source(system, browser, artifacts):
    browser.get(console_url(system, "/lags"))
    sources = ["inventory-service", "order-service", "payment-service"]
    until(browser, lambda b: [row.get_attribute("data-source") for row in b.find_elements(By.CSS_SELECTOR, "#lags-table tbody tr")]
          == sources, "the lag table never listed the three sources")

    def throughput(b, source: str) -> float:
        text = texts(b, f'#lags-table tr[data-source="{source}"] td')[5]
        return float(text) if text.replace(".", "").isdigit() else 0.0

    # Orders keep coming until the page measures a throughput for order-service.
    def busy(b):
        status, _ = call(system, "order-service", "POST", "/orders", {
            "customerId": CUSTOMER, "currency": "USD", "items": [{"sku": SKU, "quantity": 1, "unitPrice": 100}],
        })
        assert status == 202
        return throughput(b, "order-service") > 0
    until(browser, busy, "the page never showed a throughput for order-service while orders came in")
    screenshot(browser, artifacts, "09-lags-busy")
    # Quiet again: every lag drains to zero in the page.
    until(browser, lambda b: [text for text in texts(b, "[data-lag]")] == ["0", "0", "0"],
          "the lag never showed 0 for every source")
    screenshot(browser, artifacts, "10-lags-quiet")


def test_the_page_logged_no_error(browser):
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors
