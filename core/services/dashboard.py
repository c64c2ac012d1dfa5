"""The managers' deadline dashboard: where requests stand against their deadlines.

The manual gives every stage a «plazo referencial»; this module turns the ledger into the
figures a manager asks for: what is overdue, due today or due this week (by stage,
responsible role, unit and procedure), who must act on each late request, how often each
stage finished on time, how long each stage takes, and where requests wait longest.

Everything is derived from the replayed request states in two steps, so that a page view
with new filters costs little on a ledger of 100,000 events:

1. :func:`stage_visits` walks every request's applied events once per (ledger, calendar)
   and records each *visit* to a stage: when it began and ended, and the due date it had
   then (N working days after it began, or the schedule date in force at that moment).
2. :func:`summarize` aggregates the visits for one day and one set of filters.

:func:`dashboard` runs both; the app keeps the visits (and recent summaries) per ledger
snapshot in its own cache (``ui``), so a new snapshot can never meet stale figures.
Nothing here reads the repository: the caller passes the ledger it already loaded.

Definitions (interpretations of the product, shown on the page):

* *Overdue*: the current stage's due date has passed (``today > due``). *Due today*: the
  due date is today. *Due this week*: due within the next five working days after today.
  The three are disjoint; open requests whose stage has no deadline are counted apart.
* A *stage completion* is an event that leaves a stage (forward, return, rejection or
  publication). It is *on time* when it happened on or before the due date the stage had
  then. Stages without a deadline («Variable», the stage that sets the schedule) are left
  out of the compliance share but not out of the times.
* The period filters completions by the day they happened; open requests are always
  included in the waiting times (measured up to today), and the current counts (overdue,
  due today, ...) describe today whatever the period.
* The *bottleneck* is the stage with the most working days waited in total (completed
  visits in the period plus the visits still open), i.e. where the work piles up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.domain.ledger import Ledger
from core.domain.models import Event
from core.domain.permissions import Capability
from core.domain.procedures import DeadlineKind, Procedure, StageRow
from core.domain.workdays import WorkCalendar
from core.domain.workflow import RequestState, must_act_label
from core.services.common import current_user

__all__ = [
    "DUE_THIS_WEEK_DAYS",
    "Dashboard",
    "DashboardFilter",
    "DueCounts",
    "OverdueItem",
    "StageFigures",
    "Visits",
    "dashboard",
    "stage_visits",
    "summarize",
]

DUE_THIS_WEEK_DAYS = 5  # «esta semana» = the next five working days after today


# -- step 1: visits to stages --------------------------------------------------------------

IntArray = npt.NDArray[np.int64]
_NO_DUE = 0  # an ordinal of 0 means «no due date» (real ordinals start at 1)


@dataclass(frozen=True)
class Visits:
    """Every stay of every request at a stage, as columns (one entry per visit).

    *Completed* visits ended with an event; *open* visits are the current stage of each
    open request (same order as ``open_states``). Dates are stored as ordinals and as
    *ranks* (working days counted from a fixed day), so that «working days between two
    dates» is a subtraction: ``rank(b) - rank(a)`` equals
    ``calendar.working_days_between(a, b)``.
    """

    done_procedure: IntArray
    done_stage: IntArray
    done_unit: IntArray  # index into ``units``
    done_end: IntArray  # ordinal of the day the stage was left
    done_due: IntArray  # ordinal of its due date then, or _NO_DUE
    done_spent: IntArray  # working days spent
    open_states: tuple[RequestState, ...]
    open_must_act: tuple[str, ...]
    open_procedure: IntArray
    open_stage: IntArray
    open_unit: IntArray
    open_role: IntArray  # index into ``roles``
    open_start_rank: IntArray
    open_due: IntArray
    open_due_rank: IntArray
    units: tuple[str, ...]
    roles: tuple[str, ...]
    stage_names: dict[tuple[int, int], tuple[str, str]]  # (proc, stage) -> activity, plazo
    procedure_names: dict[int, str]
    rank_base: date

    def rank(self, calendar: WorkCalendar, day: date) -> int:
        return calendar.working_days_between(self.rank_base, day)

    def open_due_date(self, index: int) -> date | None:
        due = int(self.open_due[index])
        return date.fromordinal(due) if due != _NO_DUE else None


def _array(values: list[int]) -> IntArray:
    return np.array(values, dtype=np.int64)


def _deadline_label(stage: StageRow) -> str:
    if stage.own_deadline is not None:
        return f"{stage.own_deadline_label} (propio; fija el cronograma)"
    if stage.records_schedule and stage.deadline.kind is DeadlineKind.SCHEDULE:
        return "Sin plazo (fija el cronograma)"
    return stage.deadline.label


_VARIABLE, _WORKING, _SCHEDULED, _FIRST_SCHEDULED = 0, 1, 2, 3
_EMPTY_LEDGER_DAY = date(2000, 1, 3).toordinal()  # any day: an empty ledger has no dates


def _deadline_table(procedure: Procedure) -> list[tuple[int, int]]:
    """(kind, days) per stage; the stage that sets the schedule has no date of its own."""
    scheduled = set(procedure.scheduled_stages())
    table = []
    for stage in procedure.stages:
        own = stage.own_deadline
        if own is not None and own.kind is DeadlineKind.WORKING_DAYS:
            table.append((_WORKING, own.days))
        elif own is not None:
            table.append((_FIRST_SCHEDULED, 0))
        elif stage.deadline.kind is DeadlineKind.WORKING_DAYS:
            table.append((_WORKING, stage.deadline.days))
        elif stage.number in scheduled:
            table.append((_SCHEDULED, 0))
        else:
            table.append((_VARIABLE, 0))
    return table


_EPOCH = date(1970, 1, 1).toordinal()  # day 0 of numpy's datetime64[D]


def _days(ordinals: IntArray) -> npt.NDArray[np.datetime64]:
    return (ordinals - _EPOCH).astype("datetime64[D]")


def _ordinals(days: npt.NDArray[np.datetime64]) -> IntArray:
    return days.astype(np.int64) + _EPOCH


def stage_visits(ledger: Ledger, calendar: WorkCalendar) -> Visits:
    """Every request's applied events, each the end of a visit to a stage, as columns.

    Python touches each event once to pull out its day and stage; due dates and working
    days are then computed with arrays. Only the events of stages dated by a schedule are
    walked again, to find the schedule in force when each of them ended.
    """
    states = list(ledger.states.values())
    names: dict[tuple[int, int], tuple[str, str]] = {}
    procedure_names: dict[int, str] = {}
    for number in ledger.procedures.numbers():
        current = ledger.procedures.current(number)
        procedure_names[number] = current.name
        names.update(((number, s.number), (s.activity, _deadline_label(s)))
                     for s in current.stages)
    procedures: dict[int, int] = {}  # id(procedure) -> row of the deadline tables
    tables: list[list[tuple[int, int]]] = []
    for state in states:
        if id(state.procedure) not in procedures:
            procedures[id(state.procedure)] = len(tables)
            tables.append(_deadline_table(state.procedure))
            for s in state.procedure.stages:
                names.setdefault((state.procedure.number, s.number),
                                 (s.activity, _deadline_label(s)))
    width = max((len(t) for t in tables), default=1)
    kinds = np.zeros((max(1, len(tables)), width), dtype=np.int64)
    days = np.zeros_like(kinds)
    for row, table in enumerate(tables):
        for column, (code, count) in enumerate(table):
            kinds[row, column], days[row, column] = code, count

    units: dict[str, int] = {}
    n_requests = len(states)
    counts = np.fromiter((len(s.events) for s in states), dtype=np.int64, count=n_requests)
    created = np.fromiter((s.request.created_at.toordinal() for s in states), dtype=np.int64,
                          count=n_requests)
    request_procedure = np.fromiter((s.procedure.number for s in states), dtype=np.int64,
                                    count=n_requests)
    request_table = np.fromiter((procedures[id(s.procedure)] for s in states),
                                dtype=np.int64, count=n_requests)
    request_unit = np.fromiter((units.setdefault(s.request.unit, len(units)) for s in states),
                               dtype=np.int64, count=n_requests)
    events = [e for s in states for e in s.events]
    n = len(events)
    end = np.fromiter((e.at.toordinal() for e in events), dtype=np.int64, count=n)
    stage = np.fromiter((e.stage or 0 for e in events), dtype=np.int64, count=n)
    owner = np.repeat(np.arange(n_requests, dtype=np.int64), counts)
    firsts = np.cumsum(counts) - counts
    start = np.empty(n, dtype=np.int64)
    start[1:] = end[:-1]
    has_events = counts > 0
    start[firsts[has_events]] = created[has_events]

    lowest = int(min((a.min() for a in (created, end) if len(a)), default=_EMPTY_LEDGER_DAY))
    rank_base = date.fromordinal(lowest - 1)

    def rank(ordinals: IntArray) -> IntArray:  # working days in (rank_base, day]
        return calendar.working_days_between_arrays(np.datetime64(rank_base), _days(ordinals))

    def due_after(starts: IntArray, counts: IntArray) -> IntArray:
        return _ordinals(calendar.due_dates(_days(starts), counts))

    table_of = request_table[owner]
    kind = kinds[table_of, stage - 1]
    due = np.where(kind == _WORKING, due_after(start, days[table_of, stage - 1]), _NO_DUE)
    spent = calendar.working_days_between_arrays(_days(start), _days(end))
    scheduled = np.flatnonzero((kind == _SCHEDULED) | (kind == _FIRST_SCHEDULED))
    if len(scheduled):
        due[scheduled] = _schedule_dues(events, scheduled.tolist(), owner, firsts, stage,
                                        (kind == _FIRST_SCHEDULED).tolist())

    open_states: list[RequestState] = []
    open_must_act: list[str] = []
    open_rows: list[tuple[int, int, int, int, int]] = []  # request, stage, role, due, start
    roles: dict[str, int] = {}
    labels: dict[tuple[int, int, bool, str], tuple[str, int]] = {}
    for index, state in enumerate(states):
        if not state.is_open or state.stage is None:
            continue
        key = (id(state.procedure), state.stage, state.protected, state.request.unit)
        who = labels.get(key)
        if who is None:
            label = " o ".join(r.label for r in state.roles_now()) or "—"
            who = labels[key] = (must_act_label(state), roles.setdefault(label, len(roles)))
        table = tables[procedures[id(state.procedure)]]
        kind_now, count = table[state.stage - 1]
        scheduled_day = state.schedule.get(state.stage) if kind_now == _SCHEDULED else \
            min(state.schedule.values(), default=None) if kind_now == _FIRST_SCHEDULED \
            else None
        open_states.append(state)
        open_must_act.append(who[0])
        # A schedule date as its ordinal; N working days as -N (resolved below with arrays).
        open_rows.append((index, state.stage, who[1],
                          scheduled_day.toordinal() if scheduled_day else -count,
                          state.stage_started_at.toordinal()))
    columns = np.array(open_rows, dtype=np.int64).reshape(-1, 5).T
    requests_open, open_stage, open_role, open_raw, open_start = columns
    open_due = np.where(open_raw < 0, due_after(open_start, np.maximum(0, -open_raw)), open_raw)
    has_due = open_due != _NO_DUE
    open_due_rank = np.zeros_like(open_due)
    open_due_rank[has_due] = rank(open_due[has_due])
    return Visits(
        done_procedure=request_procedure[owner], done_stage=stage,
        done_unit=request_unit[owner], done_end=end, done_due=due, done_spent=spent,
        open_states=tuple(open_states), open_must_act=tuple(open_must_act),
        open_procedure=request_procedure[requests_open], open_stage=open_stage,
        open_unit=request_unit[requests_open], open_role=open_role,
        open_start_rank=rank(open_start), open_due=open_due,
        open_due_rank=open_due_rank, units=tuple(units), roles=tuple(roles),
        stage_names=names, procedure_names=procedure_names, rank_base=rank_base,
    )


def _schedule_dues(events: list[Event], needed: list[int], owner: IntArray,
                   firsts: IntArray, stage: IntArray, first_date: list[bool]) -> list[int]:
    """For each event of a scheduled stage, the date the schedule in force gave it (for
    the schedule-setting stage dated by its first date, that first date).

    The schedule in force is every schedule recorded by the request's earlier events,
    merged oldest first, as core.workflow replays them.
    """
    owners = owner.tolist()
    stages = stage.tolist()
    starts = firsts.tolist()
    dues: list[int] = []
    schedule: dict[int, int] = {}
    request, cursor = -1, 0  # cursor: the next event whose schedule is not merged yet
    for index in needed:
        if owners[index] != request:
            request, schedule = owners[index], {}
            cursor = starts[request]
        while cursor < index:
            data = events[cursor].data
            if data:
                for key, value in json.loads(data).get("cronograma", {}).items():
                    schedule[int(key)] = date.fromisoformat(value).toordinal()
            cursor += 1
        if first_date[index]:
            dues.append(min(schedule.values(), default=_NO_DUE))
        else:
            dues.append(schedule.get(stages[index], _NO_DUE))
    return dues


# -- step 2: figures for one day and one set of filters ------------------------------------


@dataclass(frozen=True)
class DashboardFilter:
    """The page's filters; an empty set means «all»."""

    start: date
    end: date
    units: frozenset[str] = frozenset()
    procedures: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DueCounts:
    """Open requests by where they stand against their current stage's deadline."""

    open: int = 0
    overdue: int = 0
    due_today: int = 0
    due_this_week: int = 0
    later: int = 0
    no_deadline: int = 0


@dataclass(frozen=True)
class OverdueItem:
    request_id: str
    title: str
    procedure: int
    unit: str
    stage: int
    stage_label: str
    must_act: str
    since: datetime
    due: date
    days_late: int


@dataclass(frozen=True)
class StageFigures:
    """Compliance and times of one stage of one procedure over the period."""

    procedure: int
    procedure_name: str
    stage: int
    activity: str
    deadline: str
    completed: int  # completions in the period
    with_deadline: int  # of which had a due date
    on_time: int
    median_days: float | None  # working days spent, completions in the period
    waiting_now: int  # requests at this stage today
    waiting_median: float | None  # completions in the period and open visits
    waiting_total: int

    @property
    def compliance(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None

    @property
    def label(self) -> str:
        return f"P{self.procedure} · etapa {self.stage}"


Breakdown = tuple[tuple[str, DueCounts], ...]


@dataclass(frozen=True)
class Dashboard:
    today: date
    filter: DashboardFilter
    totals: DueCounts
    by_stage: Breakdown
    by_role: Breakdown
    by_unit: Breakdown
    by_procedure: Breakdown
    overdue: tuple[OverdueItem, ...]
    stages: tuple[StageFigures, ...]
    completed: int = 0
    with_deadline: int = 0
    on_time: int = 0
    bottleneck: StageFigures | None = None

    @property
    def compliance(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


def _keep(filters: DashboardFilter, visits: Visits, procedure: IntArray, unit: IntArray
          ) -> npt.NDArray[np.bool_]:
    mask = np.ones(len(procedure), dtype=bool)
    if filters.units:
        wanted = [i for i, name in enumerate(visits.units) if name in filters.units]
        mask &= np.isin(unit, wanted)
    if filters.procedures:
        mask &= np.isin(procedure, sorted(filters.procedures))
    return mask


def _breakdown(codes: IntArray, labels: list[str], buckets: dict[str, npt.NDArray[np.bool_]]
               ) -> Breakdown:
    size = len(labels)
    counts = {name: np.bincount(codes[mask], minlength=size) for name, mask in buckets.items()}
    rows = [(labels[i], DueCounts(**{name: int(c[i]) for name, c in counts.items()}))
            for i in range(size) if counts["open"][i]]
    return tuple(sorted(rows, key=lambda kv: (-kv[1].overdue, -kv[1].open, kv[0])))


def _median(values: IntArray) -> float | None:
    return float(np.median(values)) if len(values) else None


def summarize(
    visits: Visits, calendar: WorkCalendar, today: date, filters: DashboardFilter
) -> Dashboard:
    """The dashboard for ``today`` and ``filters`` from precomputed visits."""
    today_ord, today_rank = today.toordinal(), visits.rank(calendar, today)
    names = visits.stage_names

    # Today: open requests against their current stage's deadline.
    keep = _keep(filters, visits, visits.open_procedure, visits.open_unit)
    due, due_rank = visits.open_due, visits.open_due_rank
    has_due = due != _NO_DUE
    ahead = has_due & (due > today_ord)
    soon = due_rank - today_rank <= DUE_THIS_WEEK_DAYS
    buckets = {
        "open": keep,
        "overdue": keep & has_due & (due < today_ord),
        "due_today": keep & (due == today_ord),
        "due_this_week": keep & ahead & soon,
        "later": keep & ahead & ~soon,
        "no_deadline": keep & ~has_due,
    }
    totals = DueCounts(**{name: int(mask.sum()) for name, mask in buckets.items()})
    stage_keys = sorted(set(zip(visits.open_procedure.tolist(), visits.open_stage.tolist(),
                                strict=True)))
    stage_index = {key: i for i, key in enumerate(stage_keys)}
    stage_labels = [f"P{p} · etapa {s} · {names.get((p, s), ('', ''))[0]}"
                    for p, s in stage_keys]
    stage_codes = _array([stage_index[k] for k in zip(
        visits.open_procedure.tolist(), visits.open_stage.tolist(), strict=True)])
    numbers = sorted(set(visits.open_procedure.tolist()))
    procedure_labels = [f"{n} · {visits.procedure_names.get(n, '')}" for n in numbers]
    procedure_codes = np.searchsorted(np.array(numbers, dtype=np.int64), visits.open_procedure)
    by_stage = _breakdown(stage_codes, stage_labels, buckets)
    by_role = _breakdown(visits.open_role, list(visits.roles), buckets)
    by_unit = _breakdown(visits.open_unit, list(visits.units), buckets)
    by_procedure = _breakdown(procedure_codes.astype(np.int64), procedure_labels, buckets)
    late = np.maximum(0, today_rank - due_rank)
    overdue = []
    for i in np.flatnonzero(buckets["overdue"]).tolist():
        state = visits.open_states[i]
        due_day = visits.open_due_date(i)
        assert due_day is not None and state.stage is not None
        overdue.append(OverdueItem(
            state.request.request_id, state.request.title, state.procedure.number,
            state.request.unit, state.stage, stage_labels[int(stage_codes[i])],
            visits.open_must_act[i], state.stage_started_at, due_day, int(late[i])))
    overdue.sort(key=lambda o: (-o.days_late, o.due, o.request_id))

    # The period: stage completions, plus the open visits for the waiting times.
    done = _keep(filters, visits, visits.done_procedure, visits.done_unit)
    done &= (visits.done_end >= filters.start.toordinal()) & \
        (visits.done_end <= filters.end.toordinal())
    done_key = visits.done_procedure * 1000 + visits.done_stage
    open_key = visits.open_procedure * 1000 + visits.open_stage
    waiting = np.maximum(0, today_rank - visits.open_start_rank)
    with_due = visits.done_due != _NO_DUE
    on_time = with_due & (visits.done_end <= visits.done_due)
    keys = {k for k in names if not filters.procedures or k[0] in filters.procedures}
    keys |= {divmod(int(k), 1000) for k in np.unique(done_key[done])}
    keys |= {divmod(int(k), 1000) for k in np.unique(open_key[keep])}
    stages = []
    for p, s in sorted(keys):
        in_stage = done & (done_key == p * 1000 + s)
        open_here = keep & (open_key == p * 1000 + s)
        spent = visits.done_spent[in_stage]
        waited = np.concatenate([spent, waiting[open_here]])
        activity, deadline = names.get((p, s), ("", ""))
        stages.append(StageFigures(
            procedure=p, procedure_name=visits.procedure_names.get(p, ""), stage=s,
            activity=activity, deadline=deadline, completed=int(in_stage.sum()),
            with_deadline=int((in_stage & with_due).sum()),
            on_time=int((in_stage & on_time).sum()), median_days=_median(spent),
            waiting_now=int(open_here.sum()), waiting_median=_median(waited),
            waiting_total=int(waited.sum()),
        ))
    busy = [f for f in stages if f.waiting_total > 0]
    bottleneck = max(busy, key=lambda f: (f.waiting_total, f.waiting_median or 0.0,
                                          -f.procedure, -f.stage), default=None)
    return Dashboard(
        today=today, filter=filters, totals=totals, by_stage=by_stage, by_role=by_role,
        by_unit=by_unit, by_procedure=by_procedure, overdue=tuple(overdue),
        stages=tuple(stages), completed=sum(f.completed for f in stages),
        with_deadline=sum(f.with_deadline for f in stages),
        on_time=sum(f.on_time for f in stages), bottleneck=bottleneck,
    )


# -- the entry points -------------------------------------------------------------------


def dashboard(
    ledger: Ledger, calendar: WorkCalendar, today: date, filters: DashboardFilter,
    visits: Visits | None = None,
) -> Dashboard:
    """The dashboard for one ledger snapshot, day and filters.

    ``visits``: :func:`stage_visits` of this ledger and calendar, when the caller keeps
    them (the app caches them per snapshot, so that a new filter costs only the summary).
    """
    return summarize(visits if visits is not None else stage_visits(ledger, calendar),
                     calendar, today, filters)


def deadline_dashboard(
    ledger: Ledger, username: str, calendar: WorkCalendar, today: date,
    filters: DashboardFilter, visits: Visits | None = None,
) -> Dashboard:
    """The managers' deadline dashboard, for those who may see statistics (manual 5)."""
    ledger.permissions.require(current_user(ledger, username), Capability.SEE_STATISTICS)
    return dashboard(ledger, calendar, today, filters, visits)


# -- tables for the page, the exports and the report ---------------------------------------

COUNT_COLUMNS = {"open": "En curso", "overdue": "Vencidas", "due_today": "Vencen hoy",
                 "due_this_week": "Vencen esta semana", "later": "Más adelante",
                 "no_deadline": "Sin plazo"}


def overdue_frame(result: Dashboard) -> pd.DataFrame:
    return pd.DataFrame(
        [{"Solicitud": o.request_id, "Título": o.title, "Unidad": o.unit,
          "Etapa": o.stage_label, "Debe actuar": o.must_act, "Desde": o.since,
          "Vence": o.due, "Días hábiles de atraso": o.days_late} for o in result.overdue],
        columns=["Solicitud", "Título", "Unidad", "Etapa", "Debe actuar", "Desde", "Vence",
                 "Días hábiles de atraso"])


def breakdown_frame(rows: Breakdown, heading: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{heading: label, **{title: getattr(counts, name)
                             for name, title in COUNT_COLUMNS.items()}}
         for label, counts in rows],
        columns=[heading, *COUNT_COLUMNS.values()])


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def stages_frame(result: Dashboard, active_only: bool = True) -> pd.DataFrame:
    """Per stage: compliance, median working days spent and waiting (the bottleneck)."""
    rows = stage_rows(result.stages) if active_only else list(result.stages)
    return pd.DataFrame(
        [{"Procedimiento": f"{f.procedure} · {f.procedure_name}", "Etapa": f.stage,
          "Actividad": f.activity, "Plazo": f.deadline, "Terminadas": f.completed,
          "Con plazo": f.with_deadline, "A tiempo": f.on_time,
          "Cumplimiento": _percent(f.compliance),
          "Mediana días hábiles": f.median_days, "En espera hoy": f.waiting_now,
          "Mediana de espera": f.waiting_median, "Días de espera (total)": f.waiting_total}
         for f in rows],
        columns=["Procedimiento", "Etapa", "Actividad", "Plazo", "Terminadas", "Con plazo",
                 "A tiempo", "Cumplimiento", "Mediana días hábiles", "En espera hoy",
                 "Mediana de espera", "Días de espera (total)"])


def bottleneck_frame(result: Dashboard, top: int = 12) -> pd.DataFrame:
    """The stages where requests waited most (working days), largest first."""
    busy = sorted((f for f in result.stages if f.waiting_total > 0),
                  key=lambda f: (-f.waiting_total, f.procedure, f.stage))[:top]
    return pd.DataFrame(
        [{"Etapa": f"{f.label} · {f.activity[:40]}", "Días de espera": f.waiting_total,
          "Mediana": f.waiting_median, "En espera hoy": f.waiting_now} for f in busy],
        columns=["Etapa", "Días de espera", "Mediana", "En espera hoy"])


def unit_choices(ledger: Ledger) -> list[str]:
    """Units a filter may choose: the ledger's units and any unit a request names."""
    return sorted(set(ledger.units) | {r.unit for r in ledger.requests.values()})


def stage_rows(figures: Iterable[StageFigures]) -> list[StageFigures]:
    """Stages that had any activity (completions or open requests)."""
    return [f for f in figures if f.completed or f.waiting_now]
