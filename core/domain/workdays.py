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

Vectorised forms
----------------
``working_days_between_arrays(a, b)`` (``int64`` counts) and ``due_dates(starts, counts)``
(``datetime64[D]`` dates) are the same functions element-wise over arrays of dates,
broadcasting like any NumPy operation, for callers such as the dashboard that evaluate
~100,000 dates at once. Dates are ``datetime64[D]`` values or ``date`` objects; take
``.date()`` of instants first (NumPy would read an aware ``datetime`` in UTC).

Performance
-----------
For a contiguous range of years the calendar precomputes, with ``numpy.is_busday`` and a
``numpy.busdaycalendar`` (Monday-Friday week, holidays and days off as its holiday
array), the cumulative count of working days per date and the ordinals of the working
days. ``is_working_day``, ``working_days_between`` and ``due_date`` are then O(1) array
lookups, and their vectorised forms are array indexing. The range grows lazily (whole
years, only the missing years are asked from ``holidays``) when a query falls outside
it. Each rebuild swaps a single immutable index object, so concurrent readers always see
a consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

import holidays
import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_DAY_OFF_DESCRIPTION", "WorkCalendar"]

COUNTRY = "BO"
LANGUAGE = "es"
DEFAULT_DAY_OFF_DESCRIPTION = "Día no laborable institucional"
_WEEKMASK = "1111100"  # Monday-Friday
_EPOCH = date(1970, 1, 1).toordinal()  # ordinal of day 0 of datetime64[D]
_MIN_YEAR = date.min.year
_MAX_YEAR = date.max.year
# Lower bound of working days per year; used to size forward extensions.
_MIN_WORKING_DAYS_PER_YEAR = 240

Ints = npt.NDArray[np.int64]
Days = npt.NDArray[np.datetime64]


def _as_date(value: date | datetime) -> date:
    """Return the calendar date of a ``date`` or ``datetime``."""
    return value.date() if isinstance(value, datetime) else value


def _ordinals(days: npt.ArrayLike) -> Ints:
    """``date.toordinal()`` of each date of an array-like of dates or ``datetime64``."""
    return np.asarray(days, dtype="datetime64[D]").astype(np.int64) + _EPOCH


@dataclass(frozen=True, slots=True)
class _Index:
    """Immutable precomputed calendar for the years ``first_year..last_year``.

    Offsets are ``ordinal - base`` where ``base`` is the ordinal of 1 January of
    ``first_year``. ``cum[i]`` is the number of working days with offset ``< i``,
    ``working[k]`` is the ordinal of the k-th (0-based) working day in the range.
    Both are kept as tuples for the scalar queries (indexing a tuple is several times
    faster than indexing an array) and as arrays for the vectorised ones.
    """

    first_year: int
    last_year: int
    base: int
    cum: tuple[int, ...]
    working: tuple[int, ...]
    cum_array: Ints
    working_array: Ints
    names: Mapping[date, str]

    def covers(self, lo: int, hi: int) -> bool:
        return self.base <= lo and hi - self.base < len(self.cum) - 1


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
        return idx.cum[o - idx.base + 1] > idx.cum[o - idx.base]

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
        # Working days up to and including the start date, plus n, minus one (0-based).
        while (target := idx.cum[o - idx.base + 1] + n - 1) >= len(idx.working):
            idx = self._extend_forward(idx, target)
        return date.fromordinal(idx.working[target])

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

    # ------------------------------------------------------------------ vectorised

    def working_days_between_arrays(self, a: npt.ArrayLike, b: npt.ArrayLike) -> Ints:
        """:meth:`working_days_between` element-wise over dates (``datetime64[D]``, broadcast)."""
        oa, ob = _ordinals(a), _ordinals(b)
        if oa.size == 0 or ob.size == 0:
            return np.zeros(np.broadcast_shapes(oa.shape, ob.shape), dtype=np.int64)
        lo, hi = int(min(oa.min(), ob.min())), int(max(oa.max(), ob.max()))
        idx = self._index_covering(lo, hi)
        return idx.cum_array[ob - idx.base + 1] - idx.cum_array[oa - idx.base + 1]

    def due_dates(self, starts: npt.ArrayLike, counts: npt.ArrayLike) -> Days:
        """:meth:`due_date` element-wise over start dates and counts (broadcast).

        Returns ``datetime64[D]`` dates; any negative count raises ``ValueError``.
        """
        o, n = np.broadcast_arrays(_ordinals(starts), np.asarray(counts, dtype=np.int64))
        if (n < 0).any():
            raise ValueError("counts must be >= 0")
        if o.size == 0:
            return o.astype("datetime64[D]")
        idx = self._index_covering(int(o.min()), int(o.max()))
        target = idx.cum_array[o - idx.base + 1] + n - 1
        while (last := int(target.max())) >= len(idx.working):
            idx = self._extend_forward(idx, last)
            target = idx.cum_array[o - idx.base + 1] + n - 1
        due = np.where(n > 0, idx.working_array[np.maximum(target, 0)], o)
        return (due - _EPOCH).astype("datetime64[D]")

    # ------------------------------------------------------------------ index

    def _index_covering(self, lo: int, hi: int) -> _Index:
        """Return an index covering ordinals ``lo..hi``, extending it if needed."""
        idx = self._cache.current
        if idx is not None and idx.covers(lo, hi):
            return idx
        lo_year = date.fromordinal(lo).year
        hi_year = date.fromordinal(hi).year
        # One year of margin each side so deadlines near a year boundary don't rebuild.
        return self._ensure_years(max(_MIN_YEAR, lo_year - 1), min(_MAX_YEAR, hi_year + 1))

    def _extend_forward(self, idx: _Index, target: int) -> _Index:
        """An index with more years than ``idx``, enough for the working day ``target``."""
        if idx.last_year >= _MAX_YEAR:
            raise OverflowError("due date beyond datetime.date.max")
        extra_years = (target - len(idx.working) + 1) // _MIN_WORKING_DAYS_PER_YEAR + 1
        return self._ensure_years(idx.first_year, min(_MAX_YEAR, idx.last_year + extra_years))

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

        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
        off = np.busdaycalendar(_WEEKMASK, np.array(sorted(names), dtype="datetime64[D]"))
        is_work = np.is_busday(days, busdaycal=off)
        cum = np.concatenate(([0], np.cumsum(is_work, dtype=np.int64)))
        working = np.flatnonzero(is_work).astype(np.int64) + first.toordinal()
        idx = _Index(first_year, last_year, first.toordinal(), tuple(cum.tolist()),
                     tuple(working.tolist()), cum, working, names)
        self._cache.current = idx
        return idx
