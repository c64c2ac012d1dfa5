"""Working-day arithmetic for ADSIB publication-procedure deadlines.

Why this module exists
----------------------
Every stage of a publication procedure has a deadline expressed in *días hábiles*
(working days). In Bolivia a working day is Monday-Friday, minus national public
holidays, minus the departmental holiday of the department where the agency works
(La Paz by default, 16 July), minus the institutional days off that the agency
itself decrees. Counting those by hand, or with day-by-day loops, is both error
prone and too slow for the dashboard, which evaluates ~100,000 events at once.

Holidays come from the ``holidays`` package (country ``"BO"``, Spanish names).
Note that the package applies Bolivia's "Sunday moves to Monday" rule per holiday
and per period (e.g. Aymara New Year on Sunday 2026-06-21 is observed on Monday
2026-06-22, while All Souls' Day on Sunday 2025-11-02 is *not* moved since 2016);
holidays falling on Saturday are never moved. We trust the package for these rules.

Everything here is pure: no I/O, no clock. "Now"/"today" is always an argument,
and datetimes are interpreted in whatever local time the caller passes (it should
be America/La_Paz wall-clock time; only ``.date()`` of an instant matters).

Semantics (one convention, used everywhere)
-------------------------------------------
* ``working_days_between(a, b)`` counts working days in the half-open interval
  ``(a, b]``: excludes ``a``, includes ``b``. It is signed: if ``b < a`` the result
  is ``-working_days_between(b, a)``.
* ``due_date(start, n)`` ("N días hábiles"): the date of the N-th working day
  strictly after the start date. The start day never counts, whatever the time of
  day; if the stage starts on a non-working day, the first working day after it is
  day 1. It is the earliest date ``d`` with ``working_days_between(start, d) == n``.
  ``n == 0`` returns the start date itself (no working days granted). ``n < 0``
  raises ``ValueError``.
* ``due_datetime(start, n)`` / ``add_working_days(start, n)``: the END of the due
  date, ``23:59:59.999999`` (inclusive bound; ``tzinfo`` of ``start`` is kept). A
  stage finished at any instant ``<= due_datetime`` is on time.
* ``days_late(due, today)`` = working days in ``(due, today]``, 0 if not positive.
  Finishing on the due date is 0 days late; due Friday, today Monday -> 1.
  A non-working day right after the due date adds nothing (due Friday, today
  Saturday -> 0); use ``is_overdue`` for the boolean "deadline has passed".
* ``days_left(due, today)`` = working days in ``(today, due]``, 0 if not positive.
  Due today -> 0 ("vence hoy"); today Monday, due Wednesday -> 2.
  Hence ``days_left - days_late == working_days_between(today, due)``.
* ``working_days_in(start, end)`` = whole working days elapsed between two
  instants = ``working_days_between(start.date(), end.date())``; same day -> 0;
  started Friday, finished Monday -> 1. Signed (negative if ``end`` precedes
  ``start``), so bad data is visible rather than silently clamped. A stage
  finished exactly on its due date has ``working_days_in == n``.

Performance
-----------
For a contiguous range of years the calendar precomputes a working-day flag per
date, a cumulative count of working days per date and the sorted list of working
days. ``is_working_day``, ``working_days_between`` and ``due_date`` are then O(1)
array lookups. The range grows lazily (whole years, only the missing years are
asked from ``holidays``) when a query falls outside it. Each rebuild swaps a single
immutable index object, so concurrent readers always see a consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays

__all__ = ["DEFAULT_DAY_OFF_DESCRIPTION", "WorkCalendar"]

COUNTRY = "BO"
LANGUAGE = "es"
DEFAULT_DAY_OFF_DESCRIPTION = "Día no laborable institucional"
# Lower bound of working days per year; used to size forward extensions.
_MIN_WORKING_DAYS_PER_YEAR = 240
_MIN_YEAR = date.min.year
_MAX_YEAR = date.max.year


def _as_date(value: date | datetime) -> date:
    """Return the calendar date of a ``date`` or ``datetime``."""
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True, slots=True)
class _Index:
    """Immutable precomputed calendar for the years ``first_year..last_year``.

    Offsets are ``ordinal - base`` where ``base`` is the ordinal of 1 January of
    ``first_year``. ``cum[i]`` is the number of working days with offset ``< i``,
    ``working[k]`` is the ordinal of the k-th (0-based) working day in the range.
    """

    first_year: int
    last_year: int
    base: int
    is_work: bytes
    cum: tuple[int, ...]
    working: tuple[int, ...]
    names: Mapping[date, str]

    def covers(self, ordinal: int) -> bool:
        return 0 <= ordinal - self.base < len(self.is_work)


class _IndexCache:
    """Mutable holder of the current ``_Index`` (the only mutable part of a calendar)."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current: _Index | None = None


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Immutable working-day calendar for Bolivia (see module docstring).

    Build it with :meth:`for_bolivia`. ``days_off`` holds the institutional days
    off as sorted ``(date, description)`` pairs. Equality and hashing depend only
    on ``subdivision`` and ``days_off``.
    """

    subdivision: str | None = "L"
    days_off: tuple[tuple[date, str], ...] = ()
    _cache: _IndexCache = field(default_factory=_IndexCache, init=False, repr=False, compare=False)

    @classmethod
    def for_bolivia(
        cls,
        subdivision: str | None = "L",
        days_off: Iterable[date] | Mapping[date, str | None] = (),
        years: range | None = None,
    ) -> WorkCalendar:
        """Build a calendar for Bolivia.

        ``subdivision``: ISO 3166-2 department code as used by ``holidays``
        (``"L"`` La Paz, ``"C"`` Cochabamba, ``"S"`` Santa Cruz, ...), or ``None``
        for national holidays only. ``days_off``: institutional days off, either
        dates (described as ``DEFAULT_DAY_OFF_DESCRIPTION``) or a mapping
        date -> description. ``years``: optional range to precompute eagerly;
        other years are computed lazily on first use.
        """
        # Validate the subdivision early (raises NotImplementedError if unknown).
        holidays.country_holidays(COUNTRY, subdiv=subdivision, years=())
        if isinstance(days_off, Mapping):
            pairs = {
                _as_date(d): (desc or DEFAULT_DAY_OFF_DESCRIPTION) for d, desc in days_off.items()
            }
        else:
            pairs = {_as_date(d): DEFAULT_DAY_OFF_DESCRIPTION for d in days_off}
        calendar = cls(subdivision=subdivision, days_off=tuple(sorted(pairs.items())))
        if years is not None and len(years) > 0:
            calendar._ensure_years(min(years), max(years))
        return calendar

    # ------------------------------------------------------------------ queries

    def is_working_day(self, d: date | datetime) -> bool:
        """True if ``d`` is Mon-Fri and neither a holiday nor an institutional day off."""
        o = _as_date(d).toordinal()
        idx = self._index_covering(o, o)
        return bool(idx.is_work[o - idx.base])

    def holiday_name(self, d: date | datetime) -> str | None:
        """Spanish name of the holiday on ``d`` (or the day-off description), else None.

        Official holidays take precedence over an institutional description on the
        same date. Plain weekends return None. Holidays falling on weekends still
        return their name.
        """
        day = _as_date(d)
        o = day.toordinal()
        return self._index_covering(o, o).names.get(day)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Signed number of working days in ``(a, b]`` (negative when ``b < a``)."""
        oa = _as_date(a).toordinal()
        ob = _as_date(b).toordinal()
        idx = self._index_covering(min(oa, ob), max(oa, ob))
        return idx.cum[ob - idx.base + 1] - idx.cum[oa - idx.base + 1]

    def due_date(self, start: date | datetime, n: int) -> date:
        """Date of the ``n``-th working day strictly after the start date.

        ``n == 0`` returns the start date; ``n < 0`` raises ``ValueError``.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        start_day = _as_date(start)
        if n == 0:
            return start_day
        o = start_day.toordinal()
        idx = self._index_covering(o, o)
        while True:
            # Number of working days up to and including the start date.
            target = idx.cum[o - idx.base + 1] + n - 1
            if target < len(idx.working):
                return date.fromordinal(idx.working[target])
            missing = target - len(idx.working) + 1
            extra_years = missing // _MIN_WORKING_DAYS_PER_YEAR + 1
            if idx.last_year >= _MAX_YEAR:
                raise OverflowError("due date beyond datetime.date.max")
            idx = self._ensure_years(idx.first_year, min(_MAX_YEAR, idx.last_year + extra_years))

    def due_datetime(self, start: date | datetime, n: int) -> datetime:
        """End (23:59:59.999999) of :meth:`due_date`; keeps ``start``'s tzinfo if any."""
        tz = start.tzinfo if isinstance(start, datetime) else None
        return datetime.combine(self.due_date(start, n), time.max, tzinfo=tz)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline instant for a stage of ``n`` working days; alias of :meth:`due_datetime`."""
        return self.due_datetime(start, n)

    def days_late(self, due: date | datetime, today: date | datetime) -> int:
        """Working days in ``(due, today]``; 0 when not late."""
        return max(0, self.working_days_between(due, today))

    def days_left(self, due: date | datetime, today: date | datetime) -> int:
        """Working days in ``(today, due]``; 0 when due today or already past."""
        return max(0, self.working_days_between(today, due))

    @staticmethod
    def is_overdue(due: date | datetime, today: date | datetime) -> bool:
        """True once the whole due date has passed (``today > due``), weekends included."""
        return _as_date(today) > _as_date(due)

    def working_days_in(self, start: datetime, end: datetime) -> int:
        """Whole working days elapsed from ``start`` to ``end`` (dates only; same day = 0)."""
        return self.working_days_between(start, end)

    # ------------------------------------------------------------------ index

    def _index_covering(self, lo: int, hi: int) -> _Index:
        """Return an index covering ordinals ``lo..hi``, extending it if needed."""
        idx = self._cache.current
        if idx is not None and idx.covers(lo) and idx.covers(hi):
            return idx
        lo_year = date.fromordinal(lo).year
        hi_year = date.fromordinal(hi).year
        # One year of margin each side so deadlines near a year boundary don't rebuild.
        return self._ensure_years(max(_MIN_YEAR, lo_year - 1), min(_MAX_YEAR, hi_year + 1))

    def _ensure_years(self, first_year: int, last_year: int) -> _Index:
        """Make the cached index cover ``first_year..last_year`` (plus what it had)."""
        old = self._cache.current
        if old is not None:
            if old.first_year <= first_year and last_year <= old.last_year:
                return old
            first_year = min(first_year, old.first_year)
            last_year = max(last_year, old.last_year)
            known_years = range(old.first_year, old.last_year + 1)
            names = dict(old.names)
        else:
            known_years = range(0)
            names = {}
        new_years = [y for y in range(first_year, last_year + 1) if y not in known_years]
        official = holidays.country_holidays(
            COUNTRY, subdiv=self.subdivision, years=new_years, language=LANGUAGE
        )
        names.update(official.items())
        for day, description in self.days_off:
            if first_year <= day.year <= last_year:
                names.setdefault(day, description)

        base_day = date(first_year, 1, 1)
        base = base_day.toordinal()
        total = date(last_year, 12, 31).toordinal() - base + 1
        is_work = bytearray(total)
        cum = [0] * (total + 1)
        working: list[int] = []
        weekday = base_day.weekday()
        day = base_day
        one_day = timedelta(days=1)
        running = 0
        for i in range(total):
            if weekday < 5 and day not in names:
                is_work[i] = 1
                running += 1
                working.append(base + i)
            cum[i + 1] = running
            weekday = (weekday + 1) % 7
            if i + 1 < total:
                day += one_day
        idx = _Index(
            first_year=first_year,
            last_year=last_year,
            base=base,
            is_work=bytes(is_work),
            cum=tuple(cum),
            working=tuple(working),
            names=names,
        )
        self._cache.current = idx
        return idx
