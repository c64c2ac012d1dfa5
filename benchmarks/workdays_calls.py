"""Micro-benchmark of the calendar: 100,000 due_date and working_days_between calls, and
the same 100,000 dates in one call of their vectorised forms (due_dates,
working_days_between_arrays).

Run: ``python benchmarks/workdays_calls.py [--repeats N]``. Prints the median (and min) of
N runs of each loop on a warm calendar (the years are already computed), in seconds, wall
clock and CPU (the CPU figure is the steadier one on a shared machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.domain.workdays import WorkCalendar

CALLS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    calendar = WorkCalendar.for_bolivia(years=range(2024, 2030))
    base = date(2025, 1, 1)
    starts = [base + timedelta(days=i % 1000) for i in range(CALLS)]
    ends = [s + timedelta(days=i % 45) for i, s in enumerate(starts)]
    counts = [i % 30 for i in range(CALLS)]

    def due_dates() -> None:
        for s, n in zip(starts, counts, strict=True):
            calendar.due_date(s, n)

    def between() -> None:
        for a, b in zip(starts, ends, strict=True):
            calendar.working_days_between(a, b)

    starts_array = np.array(starts, dtype="datetime64[D]")
    ends_array = np.array(ends, dtype="datetime64[D]")
    counts_array = np.array(counts)
    loops: list[tuple[str, Callable[[], object]]] = [
        ("due_date", due_dates),
        ("working_days_between", between),
        ("due_dates (one vectorised call)",
         lambda: calendar.due_dates(starts_array, counts_array)),
        ("working_days_between_arrays (one vectorised call)",
         lambda: calendar.working_days_between_arrays(starts_array, ends_array)),
    ]
    for name, loop in loops:
        samples, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            loop()
            samples.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"{name} x {CALLS:,}: median {statistics.median(samples):.3f} s "
              f"(min {min(samples):.3f}, n={len(samples)}); "
              f"CPU median {statistics.median(cpu):.3f} s")


if __name__ == "__main__":
    main()
