"""Random and mutated HTTP requests against every endpoint of the four services.

Passes when no answer was a 5xx or missing, every 4xx was in the contract's error shape,
every expectation of a valid or clearly invalid input held, and no service died."""

import itertools
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from fuzzlib import http
from fuzzlib.http_cases import HTTPCases
from fuzzlib.oracle import judge
from fuzzlib.watch import Watch

SEED_CUSTOMERS = [f"fuzz-c-{n}" for n in range(1, 6)]
SEED_SKUS = [f"fuzz-sku-{n}" for n in range(1, 6)]


def seed_accounts_and_stock(system, ledger):
    """A few funded accounts and stocked products, so that valid orders can be confirmed."""
    for customer in SEED_CUSTOMERS:
        response = http.post_json(system.services["payment-service"].port, f"/accounts/{customer}/deposits", {"amount": 1_000_000})
        assert response.status == 200, f"seeding deposit for {customer}: {response.status} {response.text()}"
        ledger.record_deposit(customer, 1_000_000)
    for sku in SEED_SKUS:
        response = http.post_json(system.services["inventory-service"].port, f"/products/{sku}/restock", {"quantity": 500, "name": sku})
        assert response.status == 200, f"seeding restock of {sku}: {response.status} {response.text()}"
        ledger.record_restock(sku, 500)


def test_http_requests_never_break_a_service(system, ledger, findings, budget, seed):
    started = time.monotonic()
    seed_accounts_and_stock(system, ledger)
    cases = HTTPCases(ledger)
    watch = Watch(system, findings, "http")
    counter = itertools.count(1)

    @hypothesis_seed(seed)
    @settings(max_examples=budget.http, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=cases.any_case())
    def run(case):
        number = next(counter)
        if not watch.is_up(case.service):
            return
        service = system.services[case.service]
        watch.sent(case.service, case.request.describe(300))
        try:
            outcome = http.send(service.port, case.request)
        except http.NoResponse as error:
            outcome = error
        dead = watch.check(number)
        if case.service in dead:
            return  # the death is the finding; its answer (if any) says nothing more
        for signature, title, detail in judge(case, outcome):
            findings.add(signature, title, detail, number, "http")
        if case.effect and isinstance(outcome, http.Response):
            case.effect(outcome)

    run()
    print(f"\nhttp: {next(counter) - 1} requests in {time.monotonic() - started:.0f}s; ledger: {len(ledger.orders)} orders, "
          f"{len(ledger.deposits)} accounts, {len(ledger.stock)} products")
    assert not findings.of_phase("http"), findings.report("http")
