"""The deadline dashboard (core.dashboard) against a small ledger computed by hand.

The story runs through Carnival 2026 (Monday 16 and Tuesday 17 February are holidays in
Bolivia), so every count of working days below skips those two days. «Today» is
Wednesday 25 February 2026. Working days of February 2026 after the 12th:
Fri 13 · (Sat 14, Sun 15, Carnival 16, 17) · Wed 18 · Thu 19 · Fri 20 · Mon 23 · Tue 24 ·
Wed 25 · Thu 26 · Fri 27 · Mon 2 Mar ...
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.adapters.memory import InMemoryRepository
from core.domain.deadlines import stage_due
from core.domain.workdays import WorkCalendar
from core.services.dashboard import (
    Dashboard,
    DashboardFilter,
    DueCounts,
    dashboard,
    stage_visits,
    summarize,
)
from core.services.requests import act, create_request
from ui import caches

TODAY = date(2026, 2, 25)  # Wednesday
FEBRUARY = DashboardFilter(date(2026, 2, 1), date(2026, 2, 28))


def at(day: int, hour: int = 10, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, 0)


def new(repo: InMemoryRepository, user: str, procedure: int, when: datetime, unit: str = "",
        schedule: dict[int, date] | None = None) -> str:
    return create_request(repo, user, {
        "procedure": procedure, "title": f"Solicitud de {user}", "objective": "Objetivo",
        "summary": "Resumen", "unit": unit, "schedule": schedule or {}}, when)


def step(repo: InMemoryRepository, user: str, rid: str, when: datetime,
         outcome: str = "avanzar", schedule: dict[int, date] | None = None) -> None:
    state = repo.snapshot().ledger.state(rid)
    assert state is not None
    act(repo, user, rid, outcome, comment="" if outcome == "avanzar" else "Observación.",
        expected_seq=state.seq, now=when, schedule=schedule)


@pytest.fixture
def story(repo: InMemoryRepository) -> InMemoryRepository:
    """Five requests around Carnival 2026 (see each comment for the hand count)."""
    # A · procedure 3, NIC, registered Fri 13.
    a = new(repo, "solicitante", 3, at(13, 9))
    # stage 2 (DE, 1 day) began Fri 13: due = 1st working day after = Wed 18 (Carnival).
    step(repo, "directora", a, at(18))  # on time; spent (13, 18] = 1 working day
    # stage 3 (UGS, 1 day) began Wed 18: due Thu 19; done Mon 23 -> late.
    step(repo, "jefe.ugs", a, at(23))  # spent (18, 23] = Thu 19, Fri 20, Mon 23 = 3
    # stage 4 (professional, sets the schedule: no deadline) began Mon 23.
    step(repo, "profesional", a, at(24), schedule={6: date(2026, 3, 10)})  # spent 1
    # stage 5 (requesting unit, 1 day) began Tue 24: due Wed 25 = today.
    # B · procedure 3, NIC, registered Thu 12: stage 2 due Fri 13, never acted on.
    new(repo, "jefe.nic", 3, at(12, 9))
    # C · procedure 3, UAF, registered Mon 23: stage 2 due Tue 24, rejected Tue 24.
    c = new(repo, "solicitante.uaf", 3, at(23))
    step(repo, "directora", c, at(24, 15), "rechazar")  # on time; spent (23, 24] = 1
    # D · procedure 2, NIC, registered Fri 20 with stage 4 scheduled for Fri 6 March.
    d = new(repo, "profesional", 2, at(20), unit="NIC", schedule={4: date(2026, 3, 6)})
    step(repo, "jefe.ugs", d, at(23))  # stage 2 began Fri 20, due Mon 23: on time, 1 day
    step(repo, "directora", d, at(24, 9))  # stage 3 began Mon 23, due Tue 24: on time, 1
    # stage 4 (schedule) began Tue 24, due Fri 6 March: 7 working days left.
    # E · procedure 1, CGII, registered today 08:00: stage 2 (UGS, 1 day) due Thu 26.
    new(repo, "directora", 1, datetime(2026, 2, 25, 8), unit="CGII")
    return repo


def board(repo: InMemoryRepository, calendar: WorkCalendar,
          filters: DashboardFilter = FEBRUARY) -> Dashboard:
    return dashboard(repo.snapshot().ledger, calendar, TODAY, filters)


def by_label(rows: tuple[tuple[str, DueCounts], ...]) -> dict[str, DueCounts]:
    return dict(rows)


def test_open_requests_are_counted_overdue_due_today_this_week_and_later(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    # B overdue (due Fri 13) · A due today (Wed 25) · E due Thu 26 (1 working day left)
    # · D due Fri 6 March (Thu 26, Fri 27, Mon 2, Tue 3, Wed 4, Thu 5, Fri 6 = 7 left).
    assert board(story, calendar).totals == DueCounts(
        open=4, overdue=1, due_today=1, due_this_week=1, later=1, no_deadline=0)


def test_the_overdue_list_names_who_must_act_and_the_working_days_late(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    [late] = board(story, calendar).overdue
    # B's stage 2 was due Fri 13; late by Wed 18, Thu 19, Fri 20, Mon 23, Tue 24, Wed 25.
    assert (late.request_id, late.stage, late.must_act, late.due, late.days_late) == (
        "SOL-2026-0002", 2, "Dirección Ejecutiva", date(2026, 2, 13), 6)


def test_the_counts_break_down_by_unit_role_procedure_and_stage(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = board(story, calendar)
    units = by_label(result.by_unit)
    assert set(units) == {"NIC", "CGII"}  # C (UAF) is closed
    assert (units["NIC"].open, units["NIC"].overdue, units["NIC"].due_today,
            units["NIC"].later) == (3, 1, 1, 1)
    assert units["CGII"] == DueCounts(open=1, due_this_week=1)
    roles = by_label(result.by_role)
    assert roles["Dirección Ejecutiva"] == DueCounts(open=1, overdue=1)
    assert roles["Unidad solicitante o Jefatura de unidad solicitante"] == \
        DueCounts(open=1, due_today=1)
    assert roles["Jefatura de la UGS"] == DueCounts(open=1, due_this_week=1)
    procedures = {label.split(" · ")[0]: counts for label, counts in result.by_procedure}
    assert procedures == {"3": DueCounts(open=2, overdue=1, due_today=1),
                          "2": DueCounts(open=1, later=1),
                          "1": DueCounts(open=1, due_this_week=1)}
    stages = {label.split(" · ")[0] + " " + label.split(" · ")[1]: c
              for label, c in result.by_stage}
    assert stages["P3 etapa 2"] == DueCounts(open=1, overdue=1)
    assert stages["P3 etapa 5"] == DueCounts(open=1, due_today=1)


def figures(result: Dashboard) -> dict[tuple[int, int], tuple[int, int, int, float | None]]:
    return {(f.procedure, f.stage): (f.completed, f.with_deadline, f.on_time, f.median_days)
            for f in result.stages if f.completed}


def test_compliance_is_the_share_of_stage_completions_on_time_over_the_period(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = board(story, calendar)
    # Stage 1 of every request (5 registrations) has no deadline: counted, not in the share.
    # Stage 4 of procedure 3 sets the schedule; its own deadline (plazo_propio) is 2 working
    # days.
    assert figures(result) == {
        (3, 1): (3, 0, 0, 0.0),  # A, B, C registered; spent 0 days each
        (3, 2): (2, 2, 2, 1.0),  # A on Wed 18 (due Wed 18), C on Tue 24 (due Tue 24)
        (3, 3): (1, 1, 0, 3.0),  # A on Mon 23, due Thu 19: late
        (3, 4): (1, 1, 1, 1.0),  # A on Tue 24, own deadline Wed 25
        (2, 1): (1, 0, 0, 0.0),
        (2, 2): (1, 1, 1, 1.0),  # D on Mon 23, due Mon 23
        (2, 3): (1, 1, 1, 1.0),  # D on Tue 24, due Tue 24
        (1, 1): (1, 0, 0, 0.0),
    }
    # 5 of the 6 completions with a deadline were on time.
    assert (result.with_deadline, result.on_time) == (6, 5)


def test_the_period_filter_keeps_only_completions_inside_it(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    early = board(story, calendar, DashboardFilter(date(2026, 2, 1), date(2026, 2, 20)))
    # Until Fri 20 only A's stage 2 (Wed 18, on time) had a deadline; stage 1 of A, B, D.
    assert figures(early) == {(3, 1): (2, 0, 0, 0.0), (3, 2): (1, 1, 1, 1.0),
                              (2, 1): (1, 0, 0, 0.0)}
    assert early.compliance == 1.0
    assert early.totals == board(story, calendar).totals  # today's counts do not move


def test_the_unit_and_procedure_filters_change_every_figure(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    uaf = board(story, calendar, DashboardFilter(FEBRUARY.start, FEBRUARY.end,
                                                 units=frozenset({"UAF"})))
    assert uaf.totals == DueCounts()  # C is rejected: nothing open
    assert figures(uaf) == {(3, 1): (1, 0, 0, 0.0), (3, 2): (1, 1, 1, 1.0)}
    design = board(story, calendar, DashboardFilter(FEBRUARY.start, FEBRUARY.end,
                                                    procedures=frozenset({2})))
    assert design.totals == DueCounts(open=1, later=1)
    assert {f.procedure for f in design.stages} == {2}
    assert (design.with_deadline, design.on_time) == (2, 2)


def test_the_bottleneck_is_the_stage_with_the_most_working_days_waited(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = board(story, calendar)
    waited = {(f.procedure, f.stage): (f.waiting_now, f.waiting_total, f.waiting_median)
              for f in result.stages if f.waiting_total or f.waiting_now}
    # P3 stage 2: A 1 + C 1 + B still waiting since Thu 12: (12, 25] = Fri 13, Wed 18,
    # Thu 19, Fri 20, Mon 23, Tue 24, Wed 25 = 7 -> total 9, median of (1, 1, 7) = 1.
    assert waited[(3, 2)] == (1, 9, 1.0)
    assert waited[(3, 3)] == (0, 3, 3.0)
    assert waited[(3, 5)] == (1, 1, 1.0)  # A, since Tue 24
    assert waited[(2, 4)] == (1, 1, 1.0)  # D, since Tue 24
    assert waited[(1, 2)] == (1, 0, 0.0)  # E, since this morning
    assert result.bottleneck is not None
    assert (result.bottleneck.procedure, result.bottleneck.stage) == (3, 2)


def test_an_institutional_day_off_moves_due_dates_and_shortens_delays(
        story: InMemoryRepository) -> None:
    with_day_off = WorkCalendar.for_bolivia(days_off={date(2026, 2, 19): "Aniversario"})
    result = board(story, with_day_off)
    # Thu 19 no longer counts: B is late by Wed 18, Fri 20, Mon 23, Tue 24, Wed 25 = 5;
    # A's stage 3 (begun Wed 18) was due Fri 20, still late, and took 2 working days.
    assert result.overdue[0].days_late == 5
    assert figures(result)[(3, 3)] == (1, 1, 0, 2.0)


def test_the_due_dates_agree_with_the_deadline_module_for_every_open_request(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    ledger = story.snapshot().ledger
    visits = stage_visits(ledger, calendar)
    assert {state.request.request_id: visits.open_due_date(i)
            for i, state in enumerate(visits.open_states)} == {
        rid: stage_due(state, calendar) for rid, state in ledger.states.items()
        if state.is_open}


def test_a_return_restarts_the_clock_of_the_stage_it_returns_to(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    rid = new(repo, "solicitante", 3, at(2))  # Mon 2 Feb
    step(repo, "directora", rid, at(3))
    step(repo, "jefe.ugs", rid, at(4))
    step(repo, "profesional", rid, at(5), schedule={6: date(2026, 3, 20)})
    step(repo, "jefe.nic", rid, at(6), "devolver:4")  # back to stage 4 on Fri 6 Feb
    step(repo, "profesional", rid, at(11), schedule={6: date(2026, 3, 20)})
    # stage 5 began again Wed 11: due Thu 12; done Fri 13 -> late by the new clock.
    step(repo, "jefe.nic", rid, at(13))
    result = board(repo, calendar)
    stage5 = next(f for f in result.stages if (f.procedure, f.stage) == (3, 5))
    # First visit: began Thu 5, returned Fri 6 (due Fri 6): on time, 1 day.
    # Second visit: began Wed 11, done Fri 13 (due Thu 12): late, 2 days.
    assert (stage5.completed, stage5.on_time, stage5.median_days) == (2, 1, 1.5)
    stage4 = next(f for f in result.stages if (f.procedure, f.stage) == (3, 4))
    # Stage 4 sets the schedule and has its own deadline (2 working days): first visit began
    # Wed 4, done Thu 5 (due Fri 6); after the return it began Fri 6, done Wed 11 (due Tue 10).
    assert (stage4.completed, stage4.with_deadline, stage4.on_time) == (2, 2, 1)


def test_a_scheduled_stage_is_due_on_the_date_the_schedule_gave_it(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    d = new(repo, "profesional", 2, at(2), unit="NIC", schedule={4: date(2026, 2, 10)})
    step(repo, "jefe.ugs", d, at(3))
    step(repo, "directora", d, at(4))
    step(repo, "disenio", d, at(11))  # stage 4 due Tue 10, done Wed 11: late by 1 day
    stage4 = next(f for f in board(repo, calendar).stages if (f.procedure, f.stage) == (2, 4))
    assert (stage4.completed, stage4.with_deadline, stage4.on_time, stage4.median_days) == \
        (1, 1, 0, 5.0)  # (4, 11] = Thu 5, Fri 6, Mon 9, Tue 10, Wed 11


def test_the_dashboard_is_computed_once_per_ledger_snapshot(
        story: InMemoryRepository, calendar: WorkCalendar) -> None:
    ledger = story.snapshot().ledger
    first = caches.dashboard(ledger, "directora", calendar, TODAY, FEBRUARY)
    assert caches.dashboard(ledger, "directora", calendar, TODAY, FEBRUARY) is first
    assert caches.visits(ledger, calendar) is caches.visits(ledger, calendar)
    assert summarize(caches.visits(ledger, calendar), calendar, TODAY, FEBRUARY) == first
    new(story, "solicitante", 3, at(25, 11))
    fresh = story.snapshot().ledger
    assert caches.dashboard(fresh, "directora", calendar, TODAY, FEBRUARY).totals.open == 5


def test_an_empty_ledger_gives_an_empty_dashboard(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    result = board(repo, calendar)
    assert result.totals == DueCounts()
    assert (result.overdue, result.bottleneck, result.compliance) == ((), None, None)
