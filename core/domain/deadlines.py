"""When each stage is due, in working days: the manual's «plazo referencial» made concrete.

«N días» = end of the Nth working day after the stage began («días» are working days: an
interpretation, marked in the procedure table); «Variable» = no deadline; «De acuerdo a
cronograma» = the date the schedule fixed at the proposal stage gives the stage. The
stage that fixes the schedule is dated by its own deadline when the table gives one
(``plazo_propio``: N working days, or the first date of the schedule the request already
carries). A return restarts the clock: a stage begins at the event that entered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.procedures import DeadlineKind, deadline_in_force
from core.domain.workdays import WorkCalendar
from core.domain.workflow import RequestState


@dataclass(frozen=True)
class DueInfo:
    due: date | None
    days_late: int
    days_left: int
    overdue: bool

    @property
    def label(self) -> str:
        if self.due is None:
            return "Sin plazo"
        if self.overdue and self.days_late == 0:  # due on a Friday, seen at the weekend
            return f"Vencida el {self.due:%d/%m/%Y}"
        if self.overdue:
            return f"Vencida ({_days(self.days_late)})"
        if self.days_left == 0:
            return "Vence hoy"
        verb = "Queda" if self.days_left == 1 else "Quedan"
        return f"{verb} {_days(self.days_left)}"


def _days(count: int) -> str:
    return "1 día hábil" if count == 1 else f"{count} días hábiles"


def stage_due(state: RequestState, calendar: WorkCalendar) -> date | None:
    row = state.stage_row
    if row is None:
        return None
    deadline = deadline_in_force(row)
    if deadline.kind is DeadlineKind.WORKING_DAYS:
        return calendar.due_date(state.stage_started_at, deadline.days)
    if deadline.kind is DeadlineKind.SCHEDULE and row.own_deadline is not None:
        return min(state.schedule.values(), default=None)
    if deadline.kind is DeadlineKind.SCHEDULE:
        return state.schedule.get(row.number)
    return None


def due_info(state: RequestState, calendar: WorkCalendar, today: date) -> DueInfo:
    due = stage_due(state, calendar)
    if due is None:
        return DueInfo(None, 0, 0, False)
    return DueInfo(
        due, calendar.days_late(due, today), calendar.days_left(due, today),
        calendar.is_overdue(due, today),
    )
