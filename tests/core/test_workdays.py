"""Tests for core.workdays on real 2025-2027 Bolivian calendars (holidays package facts)."""

from __future__ import annotations

import random
import threading
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import holidays
import numpy as np
import pytest

from core.domain.workdays import DEFAULT_DAY_OFF_DESCRIPTION, WorkCalendar

YEARS = range(2025, 2028)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.for_bolivia(years=YEARS)


# --------------------------------------------------------------------------- holidays

NATIONAL_WEEKDAY_HOLIDAYS = [
    # Año Nuevo (Fri 2027).
    (date(2027, 1, 1), "Año Nuevo"),
    # Creación del Estado Plurinacional, 22 January.
    (date(2025, 1, 22), "Día de la Creación del Estado Plurinacional de Bolivia"),
    (date(2026, 1, 22), "Día de la Creación del Estado Plurinacional de Bolivia"),
    (date(2027, 1, 22), "Día de la Creación del Estado Plurinacional de Bolivia"),
    # Carnival Monday/Tuesday.
    (date(2025, 3, 3), "Carnaval"),
    (date(2025, 3, 4), "Carnaval"),
    (date(2026, 2, 16), "Carnaval"),
    (date(2026, 2, 17), "Carnaval"),
    (date(2027, 2, 8), "Carnaval"),
    (date(2027, 2, 9), "Carnaval"),
    # Good Friday.
    (date(2025, 4, 18), "Viernes Santo"),
    (date(2026, 4, 3), "Viernes Santo"),
    (date(2027, 3, 26), "Viernes Santo"),
    # 1 May (Sat in 2027, see below).
    (date(2025, 5, 1), "Día del Trabajo"),
    (date(2026, 5, 1), "Día del Trabajo"),
    # Corpus Christi.
    (date(2025, 6, 19), "Corpus Christi"),
    (date(2026, 6, 4), "Corpus Christi"),
    (date(2027, 5, 27), "Corpus Christi"),
    # Año Nuevo Andino (package name: "Año Nuevo Aymara Amazónico"), 21 June.
    (date(2027, 6, 21), "Año Nuevo Aymara Amazónico"),
    # Independence, 6 August.
    (date(2025, 8, 6), "Día de la Independencia de Bolivia"),
    (date(2026, 8, 6), "Día de la Independencia de Bolivia"),
    (date(2027, 8, 6), "Día de la Independencia de Bolivia"),
    # Dignidad Nacional, 17 October (weekday only in 2025).
    (date(2025, 10, 17), "Día de la Dignidad Nacional"),
    # Todos los Difuntos, 2 November.
    (date(2026, 11, 2), "Día de Todos los Difuntos"),
    (date(2027, 11, 2), "Día de Todos los Difuntos"),
    # Navidad.
    (date(2025, 12, 25), "Navidad"),
    (date(2026, 12, 25), "Navidad"),
]


@pytest.mark.parametrize(("day", "name"), NATIONAL_WEEKDAY_HOLIDAYS)
def test_national_holidays_are_not_working_days(cal: WorkCalendar, day: date, name: str) -> None:
    assert day.weekday() < 5
    assert not cal.is_working_day(day)
    assert cal.holiday_name(day) == name


@pytest.mark.parametrize("subdivision", [None, "L", "C", "S"])
@pytest.mark.parametrize(("day", "name"), NATIONAL_WEEKDAY_HOLIDAYS[:6])
def test_national_holidays_apply_to_every_subdivision(
    subdivision: str | None, day: date, name: str
) -> None:
    cal = WorkCalendar.for_bolivia(subdivision=subdivision)
    assert not cal.is_working_day(day)
    assert cal.holiday_name(day) == name


@pytest.mark.parametrize("day", [date(2025, 7, 16), date(2026, 7, 16), date(2027, 7, 16)])
def test_la_paz_departmental_holiday(day: date) -> None:
    la_paz = WorkCalendar.for_bolivia()  # default subdivision "L"
    assert not la_paz.is_working_day(day)
    assert la_paz.holiday_name(day) == "Día del departamento de La Paz"
    for other in (WorkCalendar.for_bolivia(subdivision=None), WorkCalendar.for_bolivia("C")):
        assert other.is_working_day(day)
        assert other.holiday_name(day) is None


def test_other_department_has_its_own_holiday() -> None:
    # 14 September 2026 (Monday): Cochabamba only.
    day = date(2026, 9, 14)
    assert WorkCalendar.for_bolivia("C").holiday_name(day) == "Día del departamento de Cochabamba"
    assert not WorkCalendar.for_bolivia("C").is_working_day(day)
    assert WorkCalendar.for_bolivia("L").is_working_day(day)


def test_unknown_subdivision_is_rejected() -> None:
    with pytest.raises(NotImplementedError):
        WorkCalendar.for_bolivia(subdivision="XX")


def test_observed_sunday_holiday_moves_to_monday(cal: WorkCalendar) -> None:
    # 21 June 2026 is a Sunday: the package observes it on Monday 22 June.
    assert date(2026, 6, 21).weekday() == 6
    assert cal.holiday_name(date(2026, 6, 21)) == "Año Nuevo Aymara Amazónico"
    assert cal.holiday_name(date(2026, 6, 22)) == "Año Nuevo Aymara Amazónico (observado)"
    assert not cal.is_working_day(date(2026, 6, 22))
    assert cal.is_working_day(date(2026, 6, 23))


@pytest.mark.parametrize(
    ("sunday", "name"),
    [
        # Since 2016 the package does not move 2 November; 17 October is never moved.
        (date(2025, 11, 2), "Día de Todos los Difuntos"),
        (date(2027, 10, 17), "Día de la Dignidad Nacional"),
    ],
)
def test_sunday_holidays_without_observed_monday(
    cal: WorkCalendar, sunday: date, name: str
) -> None:
    assert sunday.weekday() == 6
    assert cal.holiday_name(sunday) == name
    monday = sunday + timedelta(days=1)
    assert cal.holiday_name(monday) is None
    assert cal.is_working_day(monday)


@pytest.mark.parametrize(
    "saturday",
    [date(2025, 6, 21), date(2026, 10, 17), date(2027, 5, 1), date(2027, 12, 25)],
)
def test_saturday_holidays_are_not_moved(cal: WorkCalendar, saturday: date) -> None:
    assert saturday.weekday() == 5
    assert cal.holiday_name(saturday) is not None
    assert cal.is_working_day(saturday - timedelta(days=1))
    assert cal.is_working_day(saturday + timedelta(days=2))


def test_only_observed_day_in_2025_2027_is_2026_06_22() -> None:
    official = holidays.country_holidays("BO", subdiv="L", years=YEARS, language="es")
    observed = [d for d, name in official.items() if "observado" in name]
    assert observed == [date(2026, 6, 22)]


def test_weekends_and_plain_days(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 3, 2))  # Monday
    assert not cal.is_working_day(date(2026, 3, 7))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 8))  # Sunday
    assert cal.holiday_name(date(2026, 3, 7)) is None
    assert cal.is_working_day(datetime(2026, 3, 2, 15, 30))


# --------------------------------------------------------------------------- days off


def test_institutional_days_off_with_and_without_description() -> None:
    described = WorkCalendar.for_bolivia(days_off={date(2026, 3, 10): "Aniversario ADSIB"})
    assert not described.is_working_day(date(2026, 3, 10))
    assert described.holiday_name(date(2026, 3, 10)) == "Aniversario ADSIB"
    plain = WorkCalendar.for_bolivia(days_off=[date(2026, 3, 10), datetime(2026, 3, 11, 8)])
    assert plain.holiday_name(date(2026, 3, 10)) == DEFAULT_DAY_OFF_DESCRIPTION
    assert not plain.is_working_day(date(2026, 3, 11))
    # Monday 9 March 2026 + 1 working day skips the two days off.
    assert plain.due_date(date(2026, 3, 9), 1) == date(2026, 3, 12)
    assert WorkCalendar.for_bolivia().due_date(date(2026, 3, 9), 1) == date(2026, 3, 10)


def test_official_name_wins_over_day_off_description() -> None:
    cal = WorkCalendar.for_bolivia(days_off={date(2026, 12, 25): "Cierre"})
    assert cal.holiday_name(date(2026, 12, 25)) == "Navidad"


def test_calendar_is_immutable_and_hashable() -> None:
    a = WorkCalendar.for_bolivia(days_off=[date(2026, 3, 10)])
    b = WorkCalendar.for_bolivia(days_off={date(2026, 3, 10): None})
    assert a == b
    assert hash(a) == hash(b)
    with pytest.raises(AttributeError):
        a.subdivision = "C"  # type: ignore[misc]


# --------------------------------------------------------------------------- deadlines


def test_deadline_across_weekend(cal: WorkCalendar) -> None:
    # Thursday 5 March 2026 at 16:00 + 3 working days: Fri 6, Mon 9, Tue 10.
    start = datetime(2026, 3, 5, 16, 0)
    assert cal.due_date(start, 3) == date(2026, 3, 10)
    assert cal.add_working_days(start, 3) == datetime(2026, 3, 10, 23, 59, 59, 999999)
    assert cal.due_datetime(start, 3) == datetime.combine(date(2026, 3, 10), time.max)


def test_time_of_day_does_not_matter(cal: WorkCalendar) -> None:
    early = cal.due_date(datetime(2026, 3, 5, 0, 0), 2)
    late = cal.due_date(datetime(2026, 3, 5, 23, 59), 2)
    assert early == late == date(2026, 3, 9)


def test_deadline_across_carnival(cal: WorkCalendar) -> None:
    # Friday 13 Feb 2026 + 1 -> skips weekend and Carnival Mon/Tue -> Wed 18 Feb.
    assert cal.due_date(date(2026, 2, 13), 1) == date(2026, 2, 18)
    # Thursday 12 Feb 2026 + 2 -> Fri 13, Wed 18.
    assert cal.due_date(date(2026, 2, 12), 2) == date(2026, 2, 18)


def test_deadline_across_observed_holiday(cal: WorkCalendar) -> None:
    # Friday 19 June 2026 + 1 -> Sat/Sun(21, holiday)/Mon 22 observed -> Tue 23.
    assert cal.due_date(date(2026, 6, 19), 1) == date(2026, 6, 23)


def test_deadline_across_year_end(cal: WorkCalendar) -> None:
    # Wed 24 Dec 2025 + 3: Fri 26, Mon 29, Tue 30.
    assert cal.due_date(date(2025, 12, 24), 3) == date(2025, 12, 30)
    # Wed 31 Dec 2025 + 1: Thu 1 Jan is a holiday -> Fri 2 Jan 2026.
    assert cal.due_date(date(2025, 12, 31), 1) == date(2026, 1, 2)


def test_start_on_saturday_counts_from_monday(cal: WorkCalendar) -> None:
    saturday = datetime(2026, 3, 7, 10, 0)
    assert cal.due_date(saturday, 1) == date(2026, 3, 9)
    assert cal.due_date(saturday, 5) == date(2026, 3, 13)
    # Started on a holiday (Good Friday 2026): Monday 6 April is day 1.
    assert cal.due_date(date(2026, 4, 3), 1) == date(2026, 4, 6)


def test_n_zero_is_start_date(cal: WorkCalendar) -> None:
    assert cal.due_date(datetime(2026, 3, 5, 9), 0) == date(2026, 3, 5)
    assert cal.due_date(date(2026, 3, 7), 0) == date(2026, 3, 7)


def test_negative_n_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.due_date(date(2026, 3, 5), -1)


def test_tzinfo_preserved(cal: WorkCalendar) -> None:
    bo = timezone(timedelta(hours=-4))
    due = cal.add_working_days(datetime(2026, 3, 5, 16, tzinfo=bo), 1)
    assert due == datetime(2026, 3, 6, 23, 59, 59, 999999, tzinfo=bo)


def test_large_n_extends_lazily() -> None:
    cal = WorkCalendar.for_bolivia(years=range(2026, 2027))
    due = cal.due_date(date(2026, 1, 2), 1000)
    assert due.year >= 2029
    assert cal.is_working_day(due)
    assert cal.working_days_between(date(2026, 1, 2), due) == 1000
    assert cal.working_days_between(date(2026, 1, 2), due - timedelta(days=1)) == 999


def test_lazy_expansion_backwards_and_forwards() -> None:
    cal = WorkCalendar.for_bolivia()
    assert cal.holiday_name(date(2030, 8, 6)) == "Día de la Independencia de Bolivia"
    assert cal.holiday_name(date(2020, 6, 22)) == "Año Nuevo Aymara Amazónico (observado)"
    assert cal.working_days_between(date(2020, 1, 1), date(2030, 12, 31)) > 2500


# --------------------------------------------------------------------------- counting


def test_working_days_between_half_open_and_signed(cal: WorkCalendar) -> None:
    mon, fri = date(2026, 3, 2), date(2026, 3, 6)
    assert cal.working_days_between(mon, mon) == 0
    assert cal.working_days_between(mon, fri) == 4
    assert cal.working_days_between(fri, mon) == -4
    assert cal.working_days_between(fri, date(2026, 3, 9)) == 1  # weekend in between
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0


def test_days_late_and_days_left(cal: WorkCalendar) -> None:
    due = date(2026, 3, 6)  # Friday
    assert cal.days_late(due, due) == 0
    assert cal.days_left(due, due) == 0
    assert cal.days_late(due, date(2026, 3, 7)) == 0  # Saturday: no working day yet
    assert cal.is_overdue(due, date(2026, 3, 7))
    assert not cal.is_overdue(due, due)
    assert cal.days_late(due, date(2026, 3, 9)) == 1
    assert cal.days_left(due, date(2026, 3, 9)) == 0
    assert cal.days_left(due, date(2026, 3, 4)) == 2  # Wednesday -> Thu, Fri
    assert cal.days_late(due, date(2026, 3, 4)) == 0
    # Late across Carnival 2026: due Fri 13 Feb, today Wed 18 Feb -> 1 day late.
    assert cal.days_late(date(2026, 2, 13), date(2026, 2, 18)) == 1


def test_working_days_in(cal: WorkCalendar) -> None:
    assert cal.working_days_in(datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 18)) == 0
    assert cal.working_days_in(datetime(2026, 3, 6, 17), datetime(2026, 3, 9, 9)) == 1
    assert cal.working_days_in(datetime(2026, 3, 7, 10), datetime(2026, 3, 9, 9)) == 1
    assert cal.working_days_in(datetime(2026, 3, 9), datetime(2026, 3, 6)) == -1


# --------------------------------------------------------------------------- reference


def _naive_calendar() -> tuple[list[date], set[date]]:
    hols = holidays.country_holidays("BO", subdiv="L", years=range(2024, 2029), language="es")
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365 * 3)]
    span = (date(2024, 1, 1) + timedelta(days=i) for i in range(366 * 5))
    off = {d for d in span if d.weekday() >= 5 or d in hols}
    return days, off


def _naive_due(start: date, n: int, off: set[date]) -> date:
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        if d not in off:
            count += 1
    return d


def test_fast_path_matches_naive_reference_2025_2027() -> None:
    cal = WorkCalendar.for_bolivia(years=range(2025, 2026))  # force lazy growth too
    days, off = _naive_calendar()
    assert days[-1] == date(2027, 12, 31)
    anchor = date(2025, 1, 1)
    naive_cum = 0
    for d in days:
        assert cal.is_working_day(d) == (d not in off), d
        if d > anchor and d not in off:
            naive_cum += 1
        assert cal.working_days_between(anchor, d) == naive_cum, d
        assert cal.working_days_between(d, anchor) == -naive_cum, d
        for n in (0, 1, 2, 5, 10, 23):
            due = cal.due_date(d, n)
            assert due == _naive_due(d, n, off), (d, n)
            assert cal.working_days_between(d, due) == n
    for d in days[::7]:
        for k in (0, 1, 3, 30):
            later = d + timedelta(days=k)
            naive = sum(1 for i in range(1, k + 1) if d + timedelta(days=i) not in off)
            assert cal.working_days_between(d, later) == naive
            assert cal.days_left(later, d) - cal.days_late(later, d) == naive


def test_100k_deadlines_are_fast(cal: WorkCalendar) -> None:
    base = datetime(2025, 1, 1, 9)
    starts = [base + timedelta(minutes=15 * i) for i in range(100_000)]  # spans ~2.9 years
    t0 = _time.perf_counter()
    for i, s in enumerate(starts):
        due = cal.due_date(s, i % 30)
        cal.days_late(due, s.date())
    assert _time.perf_counter() - t0 < 3.0


# --------------------------------------------------------------------------- property


def _reference_off(subdivision: str | None, days_off: set[date]) -> set[date]:
    """Every non-working weekday and weekend, 2018-2037, from the package in one call."""
    years = range(2018, 2038)
    hols = holidays.country_holidays("BO", subdiv=subdivision, years=years, language="es")
    span = (date(2018, 1, 1) + timedelta(days=i) for i in range(366 * len(years)))
    return {d for d in span if d.weekday() >= 5 or d in hols or d in days_off}


def _reference_between(a: date, b: date, off: set[date]) -> int:
    if b < a:
        return -_reference_between(b, a, off)
    return sum(1 for i in range(1, (b - a).days + 1) if a + timedelta(days=i) not in off)


def _random_cases(
    seed: int,
) -> list[tuple[str | None, set[date], list[tuple[date | datetime, int, date]]]]:
    """(subdivision, days off, [(start, n, other day)]) with starts in 2020-2035."""
    rng = random.Random(seed)
    first, last = date(2020, 1, 1).toordinal(), date(2035, 12, 31).toordinal()
    cases = []
    for subdivision in (None, "L", None, "L"):
        days_off = {date.fromordinal(rng.randint(first, last)) for _ in range(rng.randint(0, 40))}
        samples: list[tuple[date | datetime, int, date]] = []
        for _ in range(300):
            day = date.fromordinal(rng.randint(first, last))
            start = datetime.combine(day, time(rng.randint(0, 23))) if rng.random() < 0.3 else day
            samples.append((start, rng.randint(0, 60), day + timedelta(rng.randint(-400, 400))))
        cases.append((subdivision, days_off, samples))
    return cases


def _as_day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_day_by_day_reference_on_random_dates(seed: int) -> None:
    for subdivision, days_off, samples in _random_cases(seed):
        off = _reference_off(subdivision, days_off)
        cal = WorkCalendar.for_bolivia(subdivision=subdivision, days_off=days_off)  # lazy
        expected_due: list[date] = []
        expected_between: list[int] = []
        for start, n, other in samples:
            day = _as_day(start)
            assert cal.is_working_day(start) == (day not in off), day
            due = _naive_due(day, n, off)
            assert cal.due_date(start, n) == due, (subdivision, start, n)
            assert cal.due_datetime(start, n) == datetime.combine(due, time.max)
            between = _reference_between(day, other, off)
            assert cal.working_days_between(start, other) == between, (start, other)
            assert cal.working_days_between(other, start) == -between, (other, start)
            assert cal.days_late(start, other) == max(0, between)
            assert cal.days_left(other, start) == max(0, between)
            assert cal.working_days_between(day, due) == n
            expected_due.append(due)
            expected_between.append(between)
        # The vectorised forms, on a fresh (lazy) calendar: the same answers in one call.
        fresh = WorkCalendar.for_bolivia(subdivision=subdivision, days_off=days_off)
        starts = np.array([_as_day(s) for s, _, _ in samples], dtype="datetime64[D]")
        counts = np.array([n for _, n, _ in samples])
        others = np.array([o for _, _, o in samples], dtype="datetime64[D]")
        assert fresh.due_dates(starts, counts).tolist() == expected_due
        assert fresh.working_days_between_arrays(starts, others).tolist() == expected_between
        assert fresh.working_days_between_arrays(others, starts).tolist() == [
            -b for b in expected_between
        ]


# --------------------------------------------------------------------------- vectorised


def test_vectorised_forms_broadcast_and_edge_cases(cal: WorkCalendar) -> None:
    days = np.array(["2026-02-13", "2026-03-06", "2026-12-31"], dtype="datetime64[D]")
    # A scalar start broadcasts against an array of counts, and the other way round.
    assert cal.due_dates(date(2026, 2, 13), np.array([0, 1, 2])).tolist() == [
        date(2026, 2, 13), date(2026, 2, 18), date(2026, 2, 19)]
    assert cal.due_dates(days, 1).tolist() == [
        date(2026, 2, 18), date(2026, 3, 9), date(2027, 1, 4)]
    assert cal.working_days_between_arrays(date(2026, 3, 6), days).tolist() == [
        cal.working_days_between(date(2026, 3, 6), d) for d in days.tolist()]
    empty = np.array([], dtype="datetime64[D]")
    assert cal.due_dates(empty, np.array([], dtype=np.int64)).shape == (0,)
    assert cal.working_days_between_arrays(empty, date(2026, 3, 6)).shape == (0,)
    with pytest.raises(ValueError):
        cal.due_dates(days, np.array([1, -1, 0]))


def test_vectorised_due_dates_extend_lazily() -> None:
    cal = WorkCalendar.for_bolivia(years=range(2026, 2027))
    starts = np.array(["2026-01-02", "2026-06-19"], dtype="datetime64[D]")
    due = cal.due_dates(starts, np.array([1000, 3]))
    assert due.tolist() == [cal.due_date(date(2026, 1, 2), 1000), date(2026, 6, 25)]
    assert cal.working_days_between_arrays(starts, due).tolist() == [1000, 3]


def test_holidays_are_asked_only_for_the_years_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = holidays.country_holidays

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.extend(kwargs.get("years", ()))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", spy)
    cal = WorkCalendar.for_bolivia()
    assert cal.due_date(date(2026, 3, 5), 3) == date(2026, 3, 10)
    assert sorted(asked) == [2025, 2026, 2027]
    cal.due_dates(np.array(["2026-05-04"], dtype="datetime64[D]"), 20)
    cal.working_days_between(date(2025, 1, 2), date(2027, 12, 30))
    assert sorted(asked) == [2025, 2026, 2027]  # nothing new
    cal.is_working_day(date(2029, 4, 2))
    assert sorted(asked) == [2025, 2026, 2027, 2028, 2029, 2030]  # each year asked once


def test_concurrent_readers_of_a_lazily_growing_calendar() -> None:
    off = _reference_off("L", set())
    cal = WorkCalendar.for_bolivia()
    errors: list[str] = []

    def reader(year: int) -> None:
        for month in range(1, 13):
            day = date(year, month, 3)
            if cal.due_date(day, 7) != _naive_due(day, 7, off):
                errors.append(f"{day}")

    threads = [threading.Thread(target=reader, args=(y,)) for y in range(2020, 2036)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
