"""Failures found by the fuzzer, grouped by kind: each distinct one is kept with the first
input that showed it, how often it was seen, and the seed that reproduces the run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Finding:
    signature: tuple
    title: str
    detail: str
    example_number: int
    phase: str
    count: int = 1


@dataclass
class Findings:
    seed: str
    findings: dict = field(default_factory=dict)

    def add(self, signature: tuple, title: str, detail: str, example_number: int, phase: str) -> None:
        if signature in self.findings:
            self.findings[signature].count += 1
        else:
            self.findings[signature] = Finding(signature, title, detail, example_number, phase)

    def of_phase(self, phase: str) -> list[Finding]:
        return [finding for finding in self.findings.values() if finding.phase == phase]

    def report(self, phase: str | None = None) -> str:
        chosen = [f for f in self.findings.values() if phase is None or f.phase == phase]
        lines = [f"{len(chosen)} distinct failure(s) (seed {self.seed}):"]
        for number, finding in enumerate(chosen, 1):
            lines.append(f"\n[{number}] {finding.title}  (seen {finding.count}x; first at {finding.phase} input #{finding.example_number})")
            lines.append("    " + finding.detail.replace("\n", "\n    "))
        lines.append(f"\nReproduce: {reproduce_command(self.seed)}")
        return "\n".join(lines)


def reproduce_command(seed: str) -> str:
    examples = os.environ.get("FUZZ_EXAMPLES", "")
    budget = f" FUZZ_EXAMPLES={examples}" if examples else ""
    return f"make fuzz FUZZ_SEED={seed}{budget}"
