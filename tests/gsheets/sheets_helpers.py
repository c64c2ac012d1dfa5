"""Helpers shared by the Google Sheets adapter tests (kept out of conftest.py so that test
modules can import them by name)."""

from __future__ import annotations

from support.fixed import DEMO_NOW

from core.adapters.gsheets.adapter import RetryPolicy

NOW = DEMO_NOW
FAST = RetryPolicy(budget=2.0, first_delay=0.001, max_delay=0.01)


class FakeClock:
    """Monotonic seconds that only move when a test (or the adapter's back-off) says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
