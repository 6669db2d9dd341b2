"""Random and mutated messages published to every exchange and straight to every service
queue. Passes when no service died on any of them; test_3_aftermath then checks that every
queue drained, what must be parked was, and the invariants hold."""

import itertools
import time

import pika
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from fuzzlib import parked
from fuzzlib import http
from fuzzlib.amqp_cases import FORGED_CUSTOMERS, FORGED_SKUS, AMQPCases
from fuzzlib.watch import Watch


class Publisher:
    """One blocking connection with publisher confirms; reopened when the broker closes it."""

    def __init__(self, url: str):
        self.url = url
        self.connection = None
        self.channel = None
        self.refused = 0

    def open(self):
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def publish(self, message) -> bool:
        """True when the broker confirmed it."""
        if self.channel is None or self.channel.is_closed:
            self.open()
        properties = pika.BasicProperties(headers=message.headers or None, **message.properties)
        try:
            self.channel.basic_publish(message.exchange, message.routing_key, message.body, properties)
            return True
        except (pika.exceptions.AMQPError, OverflowError, ValueError, TypeError):
            self.refused += 1
            self.close()
            return False

    def close(self):
        try:
            if self.connection and self.connection.is_open:
                self.connection.close()
        except pika.exceptions.AMQPError:
            pass
        self.connection = self.channel = None


def fund_forged_accounts_and_stock(system):
    """Real accounts and products for the forged messages to act on (outside the ledger)."""
    for customer in FORGED_CUSTOMERS:
        http.post_json(system.services["payment-service"].port, f"/accounts/{customer}/deposits", {"amount": 1_000_000})
    for sku in FORGED_SKUS:
        http.post_json(system.services["inventory-service"].port, f"/products/{sku}/restock", {"quantity": 1000, "name": sku})


def test_amqp_messages_never_kill_a_service(system, ledger, findings, budget, seed):
    started = time.monotonic()
    fund_forged_accounts_and_stock(system)
    ledger.dead_letters_before = parked.totals(system)
    ledger.expected_parked = {}
    ledger.published = 0
    watch = Watch(system, findings, "amqp")
    publisher = Publisher(system.broker.amqp_url)
    counter = itertools.count(1)

    def send(message):
        number = next(counter)
        if not publisher.publish(message):
            return
        ledger.published += 1
        for queue in message.queues:
            watch.sent(queue, message.describe(400))
            if message.malformed:
                # Parked messages are kept one row per message id: count distinct ids.
                key = message.properties.get("message_id") or f"no-id-{number}"
                ledger.expected_parked.setdefault(queue, set()).add(key)
        watch.check(number)

    cases = AMQPCases(ledger)
    run = hypothesis_seed(seed)(settings(
        max_examples=budget.amqp, database=None, deadline=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck), print_blob=False,
    )(given(message=cases.message())(send)))
    try:
        run()
    finally:
        publisher.close()
    # Let a crash that is still unwinding (the backtrace takes seconds) show up here.
    for _ in range(10):
        time.sleep(1)
        watch.check(next(counter))
    print(f"\namqp: {ledger.published} messages in {time.monotonic() - started:.0f}s confirmed by the broker, {publisher.refused} refused by it; "
          f"must be parked (malformed, distinct ids): { {queue: len(ids) for queue, ids in ledger.expected_parked.items()} }")
    assert not findings.of_phase("amqp"), findings.report("amqp")
