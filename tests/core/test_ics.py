"""The .ics files (core.ics) parse back with icalendar and hold the right dates, stable UIDs
and the Spanish text as written (escaped by the library, not by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core_helpers import NOW
from icalendar import Calendar

from core.adapters.exports import ics
from core.adapters.memory import InMemoryRepository
from core.domain.models import PlanItem, PlanStatus, PublicationType
from core.domain.workdays import WorkCalendar
from core.services.requests import act, create_request


def parse(data: bytes) -> dict[str, dict[str, object]]:
    """UID -> the event's decoded fields."""
    calendar = Calendar.from_ical(data)
    return {
        str(event["uid"]): {
            "start": event.decoded("dtstart"), "end": event.decoded("dtend"),
            "summary": str(event["summary"]), "description": str(event["description"]),
            "stamp": event.decoded("dtstamp"),
            "sequence": event.decoded("sequence") if "sequence" in event else None,
            "categories": [str(c) for c in event["categories"].cats]
            if "categories" in event else [],
        }
        for event in calendar.walk("VEVENT")
    }


ITEMS = [
    PlanItem(item_id="PLAN-2026-0001", service="Firma digital, «segura»; para todos",
             campaign="Marzo\ndigital", channels="Facebook, Instagram",
             type=PublicationType.PROMOTION, start=date(2026, 3, 11), end=date(2026, 3, 13),
             budget=1500, notes="Pauta: 50% Facebook"),
    PlanItem(item_id="PLAN-2026-0002", service="Dominios .bo", channels="X (Twitter)",
             type=PublicationType.DESIGNED_IMAGES, start=date(2026, 3, 16),
             status=PlanStatus.REQUESTED, request_id="SOL-2026-0004"),
    PlanItem(item_id="PLAN-2026-0003", service="Cancelado", type=PublicationType.VIDEO,
             start=date(2026, 3, 17), status=PlanStatus.CANCELLED),
]


def test_the_plan_file_holds_one_all_day_event_per_active_item() -> None:
    events = parse(ics.plan_ics(ITEMS, NOW))
    assert set(events) == {"PLAN-2026-0001@plan.publicaciones-rrss.adsib.gob.bo",
                           "PLAN-2026-0002@plan.publicaciones-rrss.adsib.gob.bo"}
    window = events["PLAN-2026-0001@plan.publicaciones-rrss.adsib.gob.bo"]
    single = events["PLAN-2026-0002@plan.publicaciones-rrss.adsib.gob.bo"]
    # DTEND of an all-day event is the day after the last one.
    assert (window["start"], window["end"]) == (date(2026, 3, 11), date(2026, 3, 14))
    assert (single["start"], single["end"]) == (date(2026, 3, 16), date(2026, 3, 17))
    assert window["summary"] == "Firma digital, «segura»; para todos · Marzo\ndigital"
    assert window["categories"] == ["Facebook", "Instagram"]
    assert "Tipo: 1 · Publicación de promoción" in str(window["description"])
    assert "Presupuesto: Bs 1,500.00" in str(window["description"])
    assert "Pauta: 50% Facebook" in str(window["description"])
    assert "Solicitud: SOL-2026-0004" in str(single["description"])
    assert "Estado: Solicitado" in str(single["description"])


def test_uids_stay_the_same_from_one_export_to_the_next_and_stamps_are_utc() -> None:
    first = parse(ics.plan_ics(ITEMS, NOW))
    later = parse(ics.plan_ics(ITEMS, NOW + timedelta(days=3)))
    assert set(first) == set(later)
    stamp = next(iter(first.values()))["stamp"]
    assert stamp == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 09:00 in La Paz (UTC-4)


def test_the_calendar_is_named_in_spanish() -> None:
    calendar = Calendar.from_ical(ics.plan_ics([], NOW))
    assert str(calendar["x-wr-calname"]) == "Plan de Promoción de Servicios · ADSIB"
    assert calendar.walk("VEVENT") == []


def test_due_dates_file_holds_the_current_stage_due_date_of_open_requests(
        repo: InMemoryRepository, calendar: WorkCalendar) -> None:
    form = {"title": "Dominios .bo", "objective": "Informar.", "summary": "Resumen.",
            "publish_from": NOW.date(), "publish_to": NOW.date() + timedelta(days=40)}
    waiting = create_request(repo, "solicitante", {"procedure": 3, **form}, NOW)
    friday = datetime(2026, 3, 13, 16, 0)
    moved = create_request(repo, "solicitante", {"procedure": 3, **form}, NOW)
    act(repo, "directora", moved, "avanzar", expected_seq=1, now=friday)
    rejected = create_request(repo, "solicitante", {"procedure": 3, **form}, NOW)
    act(repo, "directora", rejected, "rechazar", comment="No corresponde.", expected_seq=1,
        now=NOW)
    events = parse(ics.due_dates_ics(repo.snapshot().ledger.states.values(), calendar, NOW))
    assert set(events) == {f"{waiting}@plazos.publicaciones-rrss.adsib.gob.bo",
                           f"{moved}@plazos.publicaciones-rrss.adsib.gob.bo"}
    first = events[f"{waiting}@plazos.publicaciones-rrss.adsib.gob.bo"]
    second = events[f"{moved}@plazos.publicaciones-rrss.adsib.gob.bo"]
    # Stage 2 («1 día») began Tuesday 10 March: due Wednesday 11. Stage 3 began Friday 13:
    # due Monday 16.
    assert (first["start"], first["end"], first["sequence"]) == (
        date(2026, 3, 11), date(2026, 3, 12), 1)
    assert (second["start"], second["sequence"]) == (date(2026, 3, 16), 2)
    assert first["summary"] == "Vence etapa 2: Dominios .bo"
    assert "Debe actuar: Dirección Ejecutiva" in str(first["description"])
    assert "Debe actuar: Jefatura de la UGS" in str(second["description"])
