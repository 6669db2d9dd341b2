"""After the fuzz: nothing stuck, nothing lost, nobody dead, and the invariants hold.

- every work queue and delay queue drains (no message left unacked or going round forever),
  within a bounded time;
- every message that was not an envelope at all is parked in the dead-letter queue of every
  queue it reached, and each service's admin listing counts what its queue holds;
- a parked message replayed comes back (parked again or handled), never vanishes;
- every service is alive and answers /health;
- I1-I7 hold for everything the HTTP side placed, deposited and restocked.
"""

import os
import time

from fuzzlib import http, parked
from fuzzlib.invariants import check
from fuzzlib.system import ADMIN_TOKEN, SERVICES

AUTH = [(b"Authorization", f"Bearer {ADMIN_TOKEN}".encode())]


def work_queues(queues: dict) -> dict:
    return {name: counts for name, counts in queues.items() if not name.endswith(".dead-letters")}


def wait_until_drained(system, timeout: float):
    """Polls `rabbitmqctl list_queues` until no work or delay queue holds a message; returns
    the queues still holding some (empty when drained) and the last listing."""
    deadline = time.monotonic() + timeout
    queues = {}
    while True:
        queues = system.broker.list_queues()
        busy = {name: counts for name, counts in work_queues(queues).items() if counts[0] or counts[1]}
        if not busy or time.monotonic() > deadline:
            return busy, queues
        time.sleep(1)


def test_everything_settles_and_the_invariants_hold(system, ledger, findings):
    number = 0
    started = time.monotonic()

    def fail(key, title, detail):
        findings.add(("aftermath", *key), title, detail, number, "aftermath")

    drain_timeout = float(os.environ.get("FUZZ_DRAIN_TIMEOUT", "45"))
    busy, queues = wait_until_drained(system, drain_timeout)
    for name, (messages, unacked) in sorted(busy.items()):
        fail(("stuck", name), f"queue {name} did not drain within {drain_timeout:.0f}s",
             f"{messages} message(s), {unacked} unacknowledged: stuck or redelivered forever.\n"
             + system.services.get(name.split(".")[0], system.services["order-service"]).log_tail(20))

    before = getattr(ledger, "dead_letters_before", {})
    kept = parked.totals(system)
    for queue, expected in sorted(getattr(ledger, "expected_parked", {}).items()):
        gained = kept.get(queue, 0) - before.get(queue, 0)
        if gained < len(expected):
            fail(("lost", queue), f"{queue}: messages that were not envelopes were not all parked",
                 f"{len(expected)} such message(s) (distinct ids) reached {queue}; its parked messages gained {gained}.")

    for service in SERVICES:
        if not system.services[service].alive():
            continue
        try:
            response = parked.listing(system, service)
        except http.NoResponse as error:
            fail(("admin", service), f"{service} GET /admin/dead-letters: no answer", str(error))
            continue
        if response.status != 200:
            fail(("admin", service), f"{service} GET /admin/dead-letters answered {response.status}", response.text())
            continue
        listing = response.json()
        in_queue = queues.get(f"{service}.dead-letters", (0, 0))[0]
        if in_queue != 0:
            fail(("keeper", service), f"{service}: parked messages were left in the broker queue",
                 f"{service}.dead-letters still holds {in_queue}: the dead-letter keeper did not keep them")
        in_store = listing.get("total", 0)
        replayable = [entry for entry in listing.get("deadLetters", []) if entry.get("id") and entry.get("reason") == "malformed"]
        if replayable and not busy:  # a replay into a stuck queue would prove nothing
            ledger.dead_letter_ids.setdefault(service, []).append(replayable[0]["id"])
            replayed = http.send(system.services[service].port, http.Request(
                "POST", f"/admin/dead-letters/{replayable[0]['id']}/replay".encode(), AUTH))
            if replayed.status != 202:
                fail(("replay", service), f"{service}: replaying a parked message answered {replayed.status}", replayed.text())
            else:
                busy_after, _ = wait_until_drained(system, 30)
                time.sleep(2)  # the keeper stores what was parked again
                count = parked.totals(system).get(service, 0)
                if count != in_store and not busy_after:
                    fail(("replay-lost", service), f"{service}: a replayed malformed message did not come back to the dead letters",
                         f"{service} kept {in_store} parked messages before the replay of {replayable[0]['id']}, {count} after")

    for name, service in system.services.items():
        if not service.alive():
            fail(("dead", name), f"{name} is not running after the fuzz", service.log_tail(30))
            continue
        try:
            health = http.get(service.port, "/health", timeout=5)
            if health.status != 200:
                fail(("health", name), f"{name} /health answered {health.status}", health.text())
        except http.NoResponse as error:
            fail(("health", name), f"{name} /health: no answer", str(error))

    settle = system.saga_timeout + 30.0
    pending, violations, reads = check(system, ledger, settle_timeout=settle, convergence_timeout=30)
    if pending:
        fail(("I1",), f"{len(pending)} order(s) not final {settle:.0f}s after the fuzz",
             "order ids: " + ", ".join(pending[:20]))
    by_invariant = {}
    for invariant, message in violations:
        by_invariant.setdefault(invariant, []).append(message)
    for invariant, messages in sorted(by_invariant.items()):
        shown = "\n".join(messages[:15]) + (f"\n… and {len(messages) - 15} more" if len(messages) > 15 else "")
        fail(("invariant", invariant), f"invariant {invariant} violated ({len(messages)}x, after {reads} reads)", shown)
    print(f"\naftermath in {time.monotonic() - started:.0f}s: {len(ledger.orders)} orders, {len(ledger.customers())} customers, {len(ledger.skus())} skus checked; "
          f"{reads} snapshot(s); dead letters: { {q: c[0] for q, c in queues.items() if q.endswith('.dead-letters')} }")
    assert not findings.of_phase("aftermath"), findings.report("aftermath")
