"""What the fuzzer put into the system through the public HTTP API and the services
accepted: the inputs of the invariants (contract section 2)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Ledger:
    deposits: dict = field(default_factory=dict)      # customer id → total deposited
    stock: dict = field(default_factory=dict)         # sku → total restocked
    corrected: set = field(default_factory=set)       # skus whose count an operator corrected
    orders: dict = field(default_factory=dict)        # order id → the accepted request body
    idempotency: dict = field(default_factory=dict)   # key → (request fields, order id)
    dead_letter_ids: dict = field(default_factory=dict)  # service → ids seen parked
    rebuild_ids: list = field(default_factory=list)

    def record_deposit(self, customer: str, amount: int) -> None:
        self.deposits[customer] = self.deposits.get(customer, 0) + amount

    def record_restock(self, sku: str, quantity: int) -> None:
        self.stock[sku] = self.stock.get(sku, 0) + quantity

    def customers(self) -> set:
        return set(self.deposits) | {order["customerId"] for order in self.orders.values()}

    def skus(self) -> set:
        return set(self.stock) | {item["sku"] for order in self.orders.values() for item in order["items"]}

    def ids(self) -> set:
        """Every id the honest side used: messages forged later must not touch these."""
        return self.customers() | self.skus() | set(self.orders)
