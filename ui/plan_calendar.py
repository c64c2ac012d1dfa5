"""The Plan de Promoción as a calendar people plan in (FullCalendar, via streamlit-calendar).

Month, week and list views in Spanish, weeks starting on Monday; holidays and the agency's
days off as shaded background days; each item coloured by its type and drawn by its state,
titled in words. The professional drags an item to another day (or stretches its window):
the page calls ``core.services.plan.move_item``, which records the move as an event or
refuses it with the reason. A click opens the item, or its request when it has one.

Why this component: ``streamlit-calendar`` ships FullCalendar 6 built inside its wheel (no
CDN, so it works on the agency's network without Internet) and passes FullCalendar's
options through untouched, so the Spanish locale is given here as data and the views,
drag and resize are FullCalendar's own. Only FullCalendar's MIT views are used (day grid,
list); the component also bundles premium plugins, which stay unused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from core.domain.models import PlanItem, PlanStatus, PublicationType
from core.domain.workdays import WorkCalendar
from core.services import plan

COMPONENT_KEY = "plan_calendar"

# Short names for the calendar (the type's full label is in the list and the tooltip).
TYPE_NAMES: dict[PublicationType, str] = {
    PublicationType.PROMOTION: "Promoción pagada",
    PublicationType.DESIGNED_IMAGES: "Imágenes con diseño",
    PublicationType.SPECIFIC_INFORMATION: "Información específica",
    PublicationType.PHOTOGRAPH: "Fotografía",
    PublicationType.DAILY_NEWS: "Informativa cotidiana",
    PublicationType.WEB_LINK: "Enlace web",
    PublicationType.VIDEO: "Vídeo",
}
# Colour-blind-safe, dark enough for white text (WCAG AA on white text at 12 px).
TYPE_COLORS: dict[PublicationType, str] = {
    PublicationType.PROMOTION: "#a8431a",
    PublicationType.DESIGNED_IMAGES: "#1f4e9c",
    PublicationType.SPECIFIC_INFORMATION: "#0f6b4f",
    PublicationType.PHOTOGRAPH: "#6b3fa0",
    PublicationType.DAILY_NEWS: "#0e5f74",
    PublicationType.WEB_LINK: "#a3195b",
    PublicationType.VIDEO: "#8a1c1c",
}
STATE_NAMES = {PlanStatus.PLANNED: "", PlanStatus.REQUESTED: "solicitado",
               PlanStatus.PUBLISHED: "publicado", PlanStatus.CANCELLED: "cancelado"}
HOLIDAY_COLOR = "#fecaca"
DAY_OFF_COLOR = "#c7d2fe"

# FullCalendar's own Spanish wording, given as a locale object (no locale file to load).
SPANISH = {
    "code": "es",
    "week": {"dow": 1, "doy": 4},
    "buttonText": {"prev": "Anterior", "next": "Siguiente", "today": "Hoy", "month": "Mes",
                   "week": "Semana", "day": "Día", "list": "Lista", "year": "Año"},
    "buttonHints": {"prev": "$0 anterior", "next": "$0 siguiente", "today": "Hoy"},
    "viewHint": "Vista $0",
    "navLinkHint": "Ir al $0",
    "weekText": "Sem",
    "allDayText": "Todo el día",
    "moreLinkText": "más",
    "moreLinkHint": "Mostrar $0 más",
    "noEventsText": "No hay publicaciones planificadas en este periodo",
    "closeHint": "Cerrar",
    "eventHint": "Publicación",
}

CSS = """
.fc { font-family: "Source Sans Pro", "Source Sans 3", "Liberation Sans", sans-serif; }
.fc .fc-toolbar-title { font-size: 1.25rem; }
.fc .fc-toolbar-title::first-letter { text-transform: uppercase; }
.fc .fc-col-header-cell-cushion { text-transform: capitalize; }
.fc .fc-daygrid-event .fc-event-main, .fc .fc-daygrid-event .fc-event-title,
.fc .fc-list-event-title {
  white-space: normal; overflow-wrap: normal; word-break: normal; hyphens: manual;
  line-height: 1.2;
}
.fc .fc-daygrid-block-event { padding: 1px 3px; }
.fc .fc-day-sat, .fc .fc-day-sun { background: #f3f4f6; }
.fc .fc-bg-event { opacity: 1; }
.fc .fc-bg-event .fc-event-title {
  font-style: normal; font-size: 0.72rem; color: #1f2937; margin: 2px 3px;
  white-space: normal;
}
.fc .fc-daygrid-event.estado-solicitado {
  border-style: dashed !important; border-width: 2px !important;
}
.fc .estado-publicado { opacity: 0.7; }
.fc .estado-publicado .fc-event-title::before { content: "✓ "; }
.fc .fc-day-today { outline: 2px solid #f59e0b; outline-offset: -2px; }
"""


def item_title(item: PlanItem) -> str:
    """«Firma digital · Promoción pagada», and the state when it is not just planned."""
    state = STATE_NAMES[item.status]
    suffix = f" ({state})" if state else ""
    return f"{item.service} · {TYPE_NAMES[item.type]}{suffix}"


def item_event(item: PlanItem, editable: bool) -> dict[str, Any]:
    colour = TYPE_COLORS[item.type]
    moves = editable and item.status in (PlanStatus.PLANNED, PlanStatus.REQUESTED)
    requested = item.status is PlanStatus.REQUESTED
    return {
        "id": item.item_id,
        "title": item_title(item),
        "start": item.start.isoformat(),
        "end": (plan.last_day(item) + timedelta(days=1)).isoformat(),  # exclusive
        "allDay": True,
        "backgroundColor": "#ffffff" if requested else colour,
        "borderColor": colour,
        "textColor": colour if requested else "#ffffff",
        "editable": moves,
        "classNames": [f"tipo-{item.type.value}", f"estado-{item.status.value}"],
        "extendedProps": {"kind": "item", "request": item.request_id,
                          "type": item.type.label, "channels": item.channels},
    }


def days_off(calendar: WorkCalendar, first: date, last: date) -> list[dict[str, Any]]:
    """Holidays (national and La Paz) and institutional days off as background days."""
    institutional = dict(calendar.days_off)
    found = []
    day = first
    while day <= last:
        name = calendar.holiday_name(day)
        if name:
            # An official holiday's name wins over an institutional description that day.
            own = institutional.get(day) == name
            found.append({
                "start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat(),
                "allDay": True, "display": "background", "title": name,
                "backgroundColor": DAY_OFF_COLOR if own else HOLIDAY_COLOR,
                "classNames": ["dia-no-laborable" if own else "feriado"],
                "extendedProps": {"kind": "day_off"},
            })
        day += timedelta(days=1)
    return found


def calendar_events(items: Iterable[PlanItem], calendar: WorkCalendar, today: date,
                    editable: bool) -> list[dict[str, Any]]:
    """Every active item, plus the days off from a year before to a year after today."""
    active = [i for i in items if i.status is not PlanStatus.CANCELLED]
    first = min([today - timedelta(days=366), *(i.start for i in active)])
    last = max([today + timedelta(days=366), *(plan.last_day(i) for i in active)])
    return [*days_off(calendar, first, last), *(item_event(i, editable) for i in active)]


def calendar_options(today: date, editable: bool, initial: date | None = None
                     ) -> dict[str, Any]:
    return {
        "initialView": "dayGridMonth",
        "initialDate": (initial or today).isoformat(),
        "locale": SPANISH,
        "firstDay": 1,
        "headerToolbar": {"left": "prev,next today", "center": "title",
                          "right": "dayGridMonth,dayGridWeek,listMonth"},
        "views": {"listMonth": {"buttonText": "Lista"}, "dayGridWeek": {"buttonText": "Semana"}},
        "height": 760,
        "editable": editable,
        "eventStartEditable": editable,
        "eventDurationEditable": editable,
        "displayEventTime": False,
        "dayMaxEvents": False,
        "eventOrder": "start,-duration,title",
        "fixedWeekCount": False,
    }


def calendar_args(items: Iterable[PlanItem], calendar: WorkCalendar, today: date,
                  editable: bool, initial: date | None = None) -> dict[str, Any]:
    """Everything the component is given (events, options, CSS), as JSON-ready data."""
    return {"events": calendar_events(items, calendar, today, editable),
            "options": calendar_options(today, editable, initial), "custom_css": CSS}


# -- what the component sends back ---------------------------------------------------------------


def parse_day(text: object) -> date | None:
    """A FullCalendar all-day date («2026-12-09», or an ISO date-time) as a date."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def interaction(value: object) -> tuple[str, dict[str, Any]] | None:
    """(«move» | «open», details) for a new interaction, None for anything else."""
    if not isinstance(value, dict):
        return None
    callback = value.get("callback")
    if callback == "eventChange":
        event = (value.get("eventChange") or {}).get("event") or {}
        start = parse_day(event.get("start"))
        end = parse_day(event.get("end"))
        if not event.get("id") or start is None:
            return None
        last = end - timedelta(days=1) if end and end > start else start
        return "move", {"item_id": str(event["id"]), "start": start,
                        "end": last if last > start else None}
    if callback == "eventClick":
        event = (value.get("eventClick") or {}).get("event") or {}
        props = event.get("extendedProps") or {}
        if not event.get("id") or props.get("kind") != "item":
            return None
        return "open", {"item_id": str(event["id"]), "request": str(props.get("request") or "")}
    return None


def fingerprint(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def legend_html() -> str:
    """The colours of the types and the look of each state (fixed text, no user data)."""
    swatch = ('<span style="display:inline-block;margin:0 12px 4px 0;white-space:nowrap">'
              '<span style="display:inline-block;width:12px;height:12px;border-radius:2px;'
              'vertical-align:-1px;margin-right:4px;{style}"></span>{label}</span>')
    types = "".join(swatch.format(style=f"background:{TYPE_COLORS[t]}", label=TYPE_NAMES[t])
                    for t in PublicationType)
    states = "".join([
        swatch.format(style="background:#555", label="Planificado (relleno)"),
        swatch.format(style="border:2px dashed #555;background:#fff",
                      label="Solicitado (borde discontinuo)"),
        swatch.format(style="background:#555;opacity:.7", label="✓ Publicado"),
        swatch.format(style=f"background:{HOLIDAY_COLOR}", label="Feriado"),
        swatch.format(style=f"background:{DAY_OFF_COLOR}", label="Día no laborable de la ADSIB"),
        swatch.format(style="background:#f3f4f6;border:1px solid #ddd", label="Fin de semana"),
    ])
    return (f'<div style="font-size:0.85rem;line-height:1.6">{types}</div>'
            f'<div style="font-size:0.85rem;line-height:1.6">{states}</div>')
