"""The demo data set: one user per role, the agency's units, requests in every state.

The requests are made by running the real use cases against an in-memory ledger with a
clock set in the past, so the demo is exactly what the app would have written (hash
chain included) and its deadlines are meaningful relative to the day it is created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawTab, rows_for
from core.domain.accounts import opening
from core.domain.accounts import user_row as account_row
from core.domain.chain import Sealer
from core.domain.ledger import DEMO_OUTCOME, Rules
from core.domain.models import Event, EventKind, Record, Unit, User, UserRow
from core.domain.ports import Change
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.services import deletions, direct_publications, plan, requests, service_logs
from core.services.common import new_event_id
from core.services.passwords import hash_password
from sheets_schema import default_rules, procedure_records
from sheets_schema.tabs import SCHEMA

DEMO_MARK = DEMO_OUTCOME  # the system event that says a ledger is a demo

DEMO_PASSWORD = "demo-adsib"

UNITS = [
    ("DE", "Dirección Ejecutiva"),
    ("UGS", "Unidad de Gestión de Servicios"),
    ("UAF", "Unidad Administrativa Financiera"),
    ("UAJ", "Unidad de Asesoría Jurídica"),
    ("NIC", "Unidad NIC Bolivia"),
    ("CGII", "Centro de Gestión de Incidentes Informáticos"),
    ("UIDT", "Unidad de Innovación y Desarrollo Tecnológico"),
]

# (user name, full name, roles, unit)
USERS: list[tuple[str, str, tuple[Role, ...], str]] = [
    ("directora", "Ana Mamani", (Role.DE,), "DE"),
    ("comite", "Luis Quispe", (Role.COMMITTEE,), "UAJ"),
    ("jefe.ugs", "Rosa Condori", (Role.UGS_HEAD,), "UGS"),
    ("profesional", "Jorge Flores", (Role.PROFESSIONAL,), "UGS"),
    ("disenio", "Carla Vargas", (Role.DESIGN,), "UGS"),
    ("solicitante", "Pedro Choque", (Role.REQUESTER,), "NIC"),
    ("jefe.nic", "Elena Rojas", (Role.UNIT_HEAD, Role.REQUESTER), "NIC"),
    ("admin.rrss", "Miguel Torrez", (Role.ADMIN,), "UGS"),
    ("editor", "Sofía Limachi", (Role.EDITOR,), "UGS"),
    ("moderador", "Daniel Apaza", (Role.MODERATOR,), "UGS"),
    ("admin", "Administración del sistema", (Role.SYSADMIN,), "UGS"),
]


def empty_tabs() -> dict[str, RawTab]:
    """Every tab with its header and no rows, but for the procedures every ledger starts with."""
    return tabs_with(procedure_records())


def tabs_with(records: list[Record]) -> dict[str, RawTab]:
    """Every tab with its header, holding ``records`` (in order, per tab)."""
    tabs = {spec.name: RawTab(spec.name, list(spec.headers), []) for spec in SCHEMA}
    for name, rows in rows_for(SCHEMA, records).items():
        header = tabs[name].header
        tabs[name].rows = [[row.get(h, "") for h in header] for row in rows]
    return tabs


def units() -> list[Unit]:
    return [Unit(code=code, name=name) for code, name in UNITS]


def base_records() -> list[Record]:
    """What every new ledger holds: the agency's units and the manual's procedures."""
    return [*units(), *procedure_records()]


def seeding(users: list[User], at: datetime, *, demo: bool = False) -> Change:
    """A change that opens ``users`` (their rows and signed «alta» events) in a new ledger;
    with ``demo``, also the event that marks the ledger as demo data (banner, no mail)."""
    change = Change(summary="alta de cuentas")
    for user in users:
        change.add(account_row(user), opening(user, "alta", "sistema", "", at,
                                              new_event_id()))
    if demo:
        change.add(Event(event_id=new_event_id(), kind=EventKind.SYSTEM, subject="libro",
                         seq=1, outcome=DEMO_MARK, actor="sistema", at=at,
                         comment="Libro de demostración: usuarios y solicitudes de ejemplo."))
    return change


def seeded_tabs(users: list[User], at: datetime, sealer: Sealer, *,
                records: list[Record] | None = None, rules: Rules | None = None,
                demo: bool = False) -> dict[str, RawTab]:
    """Every tab of a new ledger holding ``records`` (default: the agency's units and the
    manual's procedures) and ``users``, their events signed with ``sealer``."""
    repo = InMemoryRepository(tabs_with(base_records() if records is None else records),
                              SCHEMA, rules or default_rules(), sealer)
    repo.commit(seeding(users, at, demo=demo))
    return {name: RawTab(raw.name, list(raw.header), [list(r) for r in raw.rows])
            for name, raw in repo.tabs.items()}


def as_rows(tabs: Mapping[str, RawTab]) -> dict[str, list[dict[str, str]]]:
    """Tabs as rows (header -> text), as a new workbook or spreadsheet is created with them."""
    return {name: [dict(zip(raw.header, cells, strict=False)) for cells in raw.rows]
            for name, raw in tabs.items()}


def unit_rows() -> list[dict[str, str]]:
    """The agency's units as rows of their tab (header -> text)."""
    return rows_for(SCHEMA, units())[SCHEMA.of(Unit).name]


def user_row(username: str, name: str, roles: tuple[Role, ...], unit: str, password: str,
             now: datetime) -> dict[str, str]:
    """One user as a row of its tab (header -> text): a view only, without its events."""
    return SCHEMA.of(UserRow).cells(account_row(demo_user(username, name, roles, unit,
                                                          password, now)))


def demo_user(username: str, name: str, roles: tuple[Role, ...], unit: str, password: str,
              now: datetime) -> User:
    return User(username=username, full_name=name, email=f"{username}@adsib.gob.bo",
                roles=roles, unit=unit, password_hash=hash_password(password), created_at=now)


def _working_days_back(calendar: WorkCalendar, today: date, count: int) -> date:
    day = today
    while count > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def demo_rows(now: datetime, calendar: WorkCalendar) -> dict[str, list[dict[str, str]]]:
    """Every tab's rows for a demo ledger whose story ends at ``now``."""
    start = datetime.combine(_working_days_back(calendar, now.date(), 25), time(8, 30))
    people = [demo_user(u, n, r, unit, DEMO_PASSWORD, start) for u, n, r, unit in USERS]
    # Signed with a throwaway key: a workbook re-signs every event with its own key.
    sealer = Sealer.generate()
    repo = InMemoryRepository(seeded_tabs(people, start, sealer, demo=True), SCHEMA,
                              default_rules(), sealer)

    def at(days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
        day = _working_days_back(calendar, now.date(), days_ago)
        return min(datetime.combine(day, time(hour, minute)), now)

    def ahead(days: int) -> date:
        return calendar.due_date(now, days)

    Step = tuple[str, str, str, datetime, str]

    def run(rid: str, steps: list[Step], schedule: Callable[[], dict[int, date]] | None = None
            ) -> None:
        for user, outcome, comment, when, _ in steps:
            seq = repo.snapshot().ledger.state(rid).seq  # type: ignore[union-attr]
            state = repo.snapshot().ledger.state(rid)
            assert state is not None
            needs = state.stage_row is not None and state.stage_row.records_schedule
            publishes = state.stage == state.procedure.last_stage and outcome == "avanzar"
            requests.act(repo, user, rid, outcome, comment=comment, expected_seq=seq, now=when,
                         schedule=schedule() if (schedule and needs) else None,
                         channels=("Facebook", "Instagram") if publishes else (),
                         link="https://www.facebook.com/adsib.bo" if publishes else "")

    def new(user: str, procedure: int, title: str, when: datetime, unit: str = "",
            protected: bool = False, schedule: dict[int, date] | None = None,
            window: tuple[date, date] | None = None, product: str = "post",
            promotion: float | None = None) -> str:
        publish_from, publish_to = window or (now.date(), now.date() + timedelta(days=45))
        return requests.create_request(repo, user, {
            "procedure": procedure, "title": title, "unit": unit, "protected": protected,
            "objective": f"Dar a conocer: {title.lower()}.",
            "summary": "Resumen preparado por la unidad para la publicación en redes sociales.",
            "links": "https://adsib.gob.bo", "publish_from": publish_from,
            "publish_to": publish_to, "reference": "Plan de Promoción de Servicios 2026",
            "schedule": schedule or {}, "product": product, "promotion_bs": promotion,
        }, when)

    sched3 = lambda: {6: ahead(3)}  # noqa: E731
    # Procedure 3 — información específica, requested by NIC Bolivia.
    late = new("solicitante", 3, "Renovación de dominios .bo con descuento", at(6, 9))
    _ = late  # waits at stage 2 (DE), overdue
    on_time = new("jefe.nic", 3, "Nuevo portal de registro de dominios", at(5, 9))
    run(on_time, [("directora", "avanzar", "", at(5, 15), ""),
                  ("jefe.ugs", "avanzar", "", at(4, 11), ""),
                  ("profesional", "avanzar", "", at(2, 10), "")], sched3)
    returned = new("solicitante", 3, "Campaña de seguridad en contraseñas", at(12, 9))
    run(returned, [("directora", "avanzar", "", at(11, 10), ""),
                   ("jefe.ugs", "avanzar", "", at(8, 9), ""),
                   ("profesional", "avanzar", "", at(8, 16), ""),
                   ("jefe.nic", "devolver:4", "Falta mencionar el horario de atención.",
                    at(7, 12), "")], sched3)
    published = new("solicitante", 3, "Horario de atención de fin de año", at(20, 9),
                    window=(at(20).date(), now.date() + timedelta(days=10)))
    run(published, [("directora", "avanzar", "", at(18, 9), ""),
                     ("jefe.ugs", "avanzar", "", at(18, 10), ""),
                     ("profesional", "avanzar", "", at(17, 10), ""),
                     ("jefe.nic", "avanzar", "", at(16, 10), ""),
                     ("disenio", "avanzar", "", at(14, 10), ""),
                     ("solicitante", "avanzar", "", at(13, 10), ""),
                     ("jefe.ugs", "avanzar", "", at(12, 10), ""),
                     ("admin.rrss", "avanzar", "", at(11, 10), "")],
        lambda: {6: _working_days_back(calendar, now.date(), 14)})
    rejected = new("solicitante", 3, "Sorteo de dominios gratuitos", at(9, 9))
    run(rejected, [("directora", "rechazar", "No corresponde a la política institucional.",
                    at(8, 10), "")])
    # Procedure 1 — promoción, requested by DE for a unit; one routed to the Committee by the
    # UGS head, one marked «protegida por norma» at registration (its unit has no head).
    committee = new("directora", 1, "Promoción pagada: firma digital para trámites", at(7, 9),
                    unit="NIC", product="video", promotion=1500)
    run(committee, [("jefe.ugs", "avanzar", "", at(6, 10), ""),
                    ("profesional", "avanzar", "", at(5, 10), ""),
                    ("jefe.ugs", "comite", "Contiene datos protegidos por norma.", at(4, 10), "")],
        lambda: {6: ahead(4), 7: ahead(5), 8: ahead(6)})
    new("directora", 1, "Promoción pagada: ciudadanía digital", at(0, 8), unit="UIDT",
        product="carrusel", promotion=800, protected=True)
    # Procedure 2 — imágenes con diseño, proposed by the professional.
    new("profesional", 2, "Infografía: cómo verificar un sitio .gob.bo", at(2, 9), unit="NIC",
        schedule={4: ahead(5)})
    design = new("profesional", 2, "Serie de tarjetas: servicios de la ADSIB", at(10, 9),
                 unit="NIC", schedule={4: _working_days_back(calendar, now.date(), 6)})
    run(design, [("jefe.ugs", "avanzar", "", at(9, 10), ""),
                 ("directora", "avanzar", "", at(9, 15), ""),
                 ("disenio", "avanzar", "", at(7, 10), ""),
                 ("jefe.ugs", "avanzar", "", at(6, 10), "")])
    # Direct publications, types 4–7.
    for days, kind, title, channel, product, promotion in [
        (4, "4", "Fotos del taller de ciudadanía digital", "Facebook", "carrusel", 350),
        (2, "6", "Enlace al nuevo portal de trámites", "X (Twitter)", "post", None),
        (1, "7", "Vídeo: qué es la firma digital", "YouTube", "video", None),
    ]:
        published_id = direct_publications.record_direct_publication(repo, "admin.rrss", {
            "type": kind, "title": title, "channel": channel,
            "link": f"https://adsib.gob.bo/publicaciones/{days}", "published_at": at(days, 11),
            "product": product, "promotion_bs": promotion,
        }, now)
        if promotion:
            direct_publications.approve_promotion(repo, "directora", published_id, now)
    _demo_plan_and_service_logs(repo, now, calendar, at)
    # A deletion order (manual 6 a) waiting for the administrator's confirmation.
    deletions.order_deletion(repo, "directora", {
        "publication": published, "channel": "Facebook", "via": "correo",
        "reason": "El horario cambió; se publicará uno nuevo."}, at(3, 10))
    return as_rows(repo.tabs)


def _demo_plan_and_service_logs(repo: InMemoryRepository, now: datetime,
                                calendar: WorkCalendar,
                                at: Callable[..., datetime]) -> None:
    """A plan for the coming four weeks (one overloaded day, two items already requested),
    questions from the public (on time, late, one unanswered) and two crisis incidents."""

    def day(n: int) -> date:
        return calendar.due_date(now, n)

    items = [  # (service, campaign, channels, type, first day, last day, budget)
        ("Firma digital", "Firma digital para todos", "Facebook, Instagram", "1", 2, 6, 1500),
        ("Registro de dominios .bo", "Dominios .bo", "Facebook, X (Twitter)", "2", 3,
         None, None),
        ("Ciudadanía digital", "Firma digital para todos", "Facebook", "4", 3, None, None),
        ("Ciudadanía digital", "", "Facebook, Instagram", "5", 3, None, None),
        ("Portal de trámites", "", "Facebook, X (Twitter)", "6", 3, None, None),
        ("Centro de Gestión de Incidentes", "Mes de la ciberseguridad", "Facebook, LinkedIn",
         "3", 8, 12, None),
        ("Verificación de sitios .gob.bo", "Dominios .bo", "Facebook, Instagram", "2", 9,
         None, None),
        ("Ciudadanía digital", "", "Facebook", "5", 10, None, None),
        ("Firma digital", "Firma digital para todos", "YouTube", "7", 15, None, None),
        ("Servicios de la ADSIB", "", "Facebook, Instagram, LinkedIn", "2", 18, None, None),
    ]
    ids = []
    for number, (service, campaign, channels, kind, first, last, budget) in enumerate(items):
        ids.append(plan.add_item(repo, "profesional", {
            "service": service, "campaign": campaign, "channels": channels, "type": kind,
            "start": day(first), "end": day(last) if last else None, "budget": budget,
            "notes": "Según el Plan de Promoción de Servicios de la gestión.",
        }, at(15 - number, 9)))
    plan.cancel_item(repo, "profesional", ids[7], "Se une a la publicación del día 3.",
                     at(3, 9))
    plan.convert_to_request(repo, "profesional", ids[1], {
        "unit": "NIC", "schedule": {4: day(2)}}, at(1, 15))
    ledger = repo.snapshot().ledger
    infographic = next(r.request_id for r in ledger.requests.values()
                       if r.title.startswith("Infografía: cómo verificar"))
    plan.link_request(repo, "profesional", ids[6], infographic, at(1, 16))

    questions = [  # (user, days ago, hour, minute, channel, summary, minutes to answer, mode)
        ("editor", 3, 9, 0, "Facebook", "¿Cómo renuevo mi dominio .bo?", 6, "publica"),
        ("moderador", 3, 11, 30, "Instagram", "¿Dónde tramito la firma digital?", 12, "privada"),
        ("editor", 2, 10, 0, "X (Twitter)", "El portal no carga desde mi celular.", 45,
         "publica"),
        ("admin.rrss", 2, 16, 10, "Facebook", "¿Atienden el sábado?", 9, "privada"),
        ("moderador", 1, 9, 40, "Facebook", "¿Cuánto cuesta un dominio .com.bo?", 27, "publica"),
        ("editor", 1, 17, 5, "Instagram", "Quiero reportar un sitio falso.", None, ""),
    ]
    for user, days, hour, minute, channel, summary, minutes, mode in questions:
        received = at(days, hour, minute)
        answered = received + timedelta(minutes=minutes) if minutes is not None else None
        service_logs.record_question(repo, user, {
            "received_at": received, "channel": channel, "summary": summary,
            "answered_at": answered, "mode": mode or None,
        }, answered or received)

    closed = service_logs.open_incident(repo, "jefe.ugs", {
        "description": "Publicación falsa atribuida a la ADSIB circula en Facebook.",
        "leader": "jefe.ugs", "staff": "admin.rrss, editor",
        "actions": "Se reportó la publicación a la plataforma.", "opened_at": at(9, 10),
    }, at(9, 10, 15))
    service_logs.update_incident(
        repo, "jefe.ugs", closed, staff="admin.rrss, editor, directora",
        actions="Se reportó la publicación a la plataforma. Comunicado oficial publicado.",
        now=at(8, 17), close_at=at(8, 17))
    service_logs.open_incident(repo, "jefe.ugs", {
        "description": "Reclamos masivos por la caída del portal de trámites.",
        "leader": "admin.rrss", "staff": "admin.rrss, moderador",
        "actions": "Respuesta pública con el horario estimado de restablecimiento.",
        "opened_at": at(1, 18),
    }, at(1, 18, 10))
