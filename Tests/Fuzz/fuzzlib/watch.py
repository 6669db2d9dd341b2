"""Notices a service that died, records it with the inputs that preceded it, and starts it
again (a bounded number of times) so the rest of the budget still reaches it."""

from __future__ import annotations

from collections import deque

from .findings import Findings
from .system import SagaSystem

MAX_RESTARTS = 3


class Watch:
    def __init__(self, system: SagaSystem, findings: Findings, phase: str):
        self.system = system
        self.findings = findings
        self.phase = phase
        self.recent: dict[str, deque] = {name: deque(maxlen=5) for name in system.services}
        self.restarts: dict[str, int] = {name: 0 for name in system.services}
        self.given_up: set[str] = set()

    def sent(self, service: str | None, description: str) -> None:
        """Remembers an input that reached ``service`` (None: possibly every service)."""
        for name in ([service] if service else self.recent):
            self.recent[name].append(description)

    def is_up(self, service: str) -> bool:
        return service not in self.given_up

    def check(self, example: int) -> list[str]:
        """Records every service found dead since the last check and restarts it; returns their names."""
        dead = [name for name in self.system.dead_services() if name not in self.given_up]
        for name in dead:
            service = self.system.services[name]
            code = service.process.returncode if service.process else None
            inputs = "\n---\n".join(self.recent[name]) or "(none recorded)"
            self.findings.add(
                ("died", name, self.phase), f"{name} died during the {self.phase} fuzz (exit {code})",
                f"The last inputs it was sent (newest last):\n{inputs}\n{service.log_tail(25)}",
                example, self.phase,
            )
            if self.restarts[name] >= MAX_RESTARTS:
                self.given_up.add(name)
                continue
            self.restarts[name] += 1
            if not self.system.restart(name):
                self.findings.add(
                    ("restart-failed", name, self.phase), f"{name} did not come back after a restart (crash loop?)",
                    service.log_tail(25), example, self.phase,
                )
                self.given_up.add(name)
            self.recent[name].clear()
        return dead
