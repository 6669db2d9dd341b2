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
        # A crash shows seconds after its input (the backtrace takes that long): keep enough.
        self.recent: dict[str, deque] = {name: deque(maxlen=12) for name in system.services}
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
                f"Where it crashed:\n{crash_summary(service.log_path)}\nThe last inputs it was sent (newest last):\n{inputs}",
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


def crash_summary(log_path, frames: int = 8) -> str:
    """The runtime's failure line and the first frames of the crashed thread, from the log."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    summary = [line for line in lines if "Swift runtime failure" in line or "Fatal error" in line][:2]
    for index, line in enumerate(lines):
        if line.rstrip().endswith("crashed:"):
            summary += [frame.strip()[:220] for frame in lines[index + 1:index + 2 + frames] if frame.strip()]
            break
    return "\n".join(summary) or "\n".join(lines[-15:])
