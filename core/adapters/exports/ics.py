"""iCalendar (.ics) files of the promotion plan and of the stage due dates.

Staff import these in their calendar apps (Google Calendar, Outlook, Thunderbird). Every
event is all-day and keeps the same UID from one export to the next, so importing a newer
file updates the events instead of duplicating them: a plan item's UID is its id, a
request's due date UID is the request id (its SEQUENCE is the request's sequence number, so
the newer stage wins). Text is escaped by the ``icalendar`` package, never by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone

from icalendar import Calendar, Event

from core.domain.deadlines import stage_due
from core.domain.models import PlanItem, PlanStatus
from core.domain.workdays import WorkCalendar
from core.domain.workflow import RequestState, must_act_label
from core.services.plan import PLAN_STATUS_LABELS, last_day

PRODID = "-//ADSIB//Publicaciones en redes sociales//ES"
UID_DOMAIN = "publicaciones-rrss.adsib.gob.bo"
# Bolivia keeps UTC-4 all year (no daylight saving time since 1932).
BOLIVIA = timezone(timedelta(hours=-4), "BOT")
PLAN_NAME = "Plan de Promoción de Servicios · ADSIB"
DUE_NAME = "Plazos de solicitudes de publicación · ADSIB"


def plan_uid(item_id: str) -> str:
    return f"{item_id}@plan.{UID_DOMAIN}"


def due_uid(request_id: str) -> str:
    return f"{request_id}@plazos.{UID_DOMAIN}"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "America/La_Paz")
    return calendar


def _all_day(uid: str, first: date, last: date, summary: str, description: str,
             now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.replace(tzinfo=BOLIVIA).astimezone(UTC))
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event


def plan_ics(items: Iterable[PlanItem], now: datetime) -> bytes:
    """The plan's items (cancelled ones left out), each over its date or window."""
    calendar = _calendar(PLAN_NAME)
    for item in items:
        if item.status is PlanStatus.CANCELLED:
            continue
        summary = f"{item.service} · {item.campaign}" if item.campaign else item.service
        lines = [
            f"Ítem del plan: {item.item_id}",
            f"Tipo: {item.type.label}",
            f"Canales: {', '.join(item.channel_list()) or '—'}",
            f"Estado: {PLAN_STATUS_LABELS[item.status]}",
        ]
        if item.budget is not None:
            lines.append(f"Presupuesto: Bs {item.budget:,.2f}")
        if item.request_id:
            lines.append(f"Solicitud: {item.request_id}")
        if item.notes:
            lines.append(f"Notas: {item.notes}")
        event = _all_day(plan_uid(item.item_id), item.start, last_day(item), summary,
                         "\n".join(lines), now)
        channels = item.channel_list()
        if channels:
            event.add("categories", channels)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def due_dates_ics(states: Iterable[RequestState], calendar: WorkCalendar,
                  now: datetime) -> bytes:
    """The due date of the current stage of each open request that has one."""
    ics = _calendar(DUE_NAME)
    for state in sorted(states, key=lambda s: s.request.request_id):
        row = state.stage_row
        due = stage_due(state, calendar) if state.is_open else None
        if row is None or due is None:
            continue
        request = state.request
        description = "\n".join([
            f"Solicitud: {request.request_id}",
            f"Procedimiento: {state.procedure.number} · {state.procedure.name}",
            f"Etapa {row.number} ({row.clause}): {row.activity}",
            f"Debe actuar: {must_act_label(state)}",
            f"Unidad solicitante: {request.unit}",
            f"Etapa iniciada: {state.stage_started_at:%d/%m/%Y %H:%M}",
        ])
        event = _all_day(due_uid(request.request_id), due, due,
                         f"Vence etapa {row.number}: {request.title}", description, now)
        event.add("sequence", state.seq)
        ics.add_component(event)
    return bytes(ics.to_ical())
