"""A large, valid ledger made with the real workflow engine, for benchmarks.

Requests walk their procedures with the right users (returns included), so every event
is one the app could have written; rows are produced directly rather than through a
repository (each event signed and chained here with ``sealer``, the way the repository
seals it) so that building 100,000 events takes seconds rather than minutes.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from core.adapters.tabular import content_headers
from core.domain import chain
from core.domain.chain import Sealer
from core.domain.models import Request, RequestRow, User
from core.domain.requests import registering, request_row
from core.domain.roles import Role
from core.domain.workflow import (
    RequestState,
    acting_role,
    allowed_actions,
    decide,
    evolve,
    initial_state,
)
from core.services.passwords import hash_password
from sheets_schema import default_procedures
from sheets_schema.demo import UNITS, USERS, seeded_tabs
from sheets_schema.tabs import SCHEMA, TABS_BY_NAME

RETURN_CODES = ("devolver:", "rechazar")


def synthetic_tabs(  # type: ignore[no-untyped-def]
    event_target: int, now: datetime, seed: int = 7, requests: int | None = None,
    sealer: Sealer | None = None,
):
    """Raw tabs holding about ``event_target`` request events, ending before ``now``.

    ``requests``: aim at that many requests (about ``event_target / requests`` events
    each, so returns are taken more often); by default requests walk 2 to N+2 steps.
    ``sealer``: the ledger's key (default: the tests' key, which the benchmarks read with).
    """
    if sealer is None:
        from support.fixed import TEST_SEALER
        sealer = TEST_SEALER
    rng = random.Random(seed)
    procedures = default_procedures()
    password_hash = hash_password("benchmark")
    users: list[User] = []
    for username, name, roles, unit in USERS:
        users.append(User(username=username, full_name=name, roles=roles, unit=unit,
                          password_hash=password_hash, created_at=now - timedelta(days=400)))
    # Unit staff for every unit, so unit-scoped stages always find someone.
    for code, _ in UNITS:
        users.append(User(username=f"jefe.{code.lower()}x", full_name=f"Jefatura {code}",
                          roles=(Role.UNIT_HEAD, Role.REQUESTER), unit=code,
                          password_hash=password_hash, created_at=now - timedelta(days=400)))
    tabs = seeded_tabs(users, now - timedelta(days=400), sealer)  # units, accounts, «alta»
    event_headers = TABS_BY_NAME["eventos"].headers
    signed = content_headers(SCHEMA.events)
    hash_column, signature_column = SCHEMA.events.column("hash"), SCHEMA.events.column(
        "signature")
    event_rows: list[list[str]] = list(tabs["eventos"].rows)
    request_rows: list[list[str]] = []
    at = tabs["eventos"].column_index()[hash_column]
    last_hash = event_rows[-1][at] if event_rows else chain.GENESIS
    actors: dict[tuple[int, int, int, bool, str, str], User | None] = {}

    def actor_for(state: RequestState) -> User | None:
        key = (state.procedure.number, state.procedure.version, state.stage or 0,
               state.protected, state.request.unit, state.request.created_by)
        if key not in actors:
            actors[key] = next((u for u in users if acting_role(state, u) is not None
                                and allowed_actions(state, u)), None)
        return actors[key]

    events = 0
    number = 0
    start = now - timedelta(days=360)
    while events < event_target:
        number += 1
        procedure = procedures.current(rng.choice([1, 2, 3]))
        unit = rng.choice([code for code, _ in UNITS])
        created = start + timedelta(minutes=number * 37 % (60 * 24 * 300))
        creator = {1: "directora", 2: "profesional"}.get(procedure.number,
                                                         f"jefe.{unit.lower()}x")
        request = Request(
            request_id=f"SOL-B-{number:06d}", created_at=created, created_by=creator,
            procedure=procedure.number, version=procedure.version,
            title=f"Publicación sintética {number}", objective="Objetivo", summary="Resumen",
            unit=unit, publish_from=created.date(), publish_to=date(2099, 1, 1),
            protected=rng.random() < 0.2,
        )
        state = initial_state(request, procedure)
        when = created
        if requests:
            budget = (event_target - events) // max(1, requests - number + 1)
            steps, loop_weight = rng.randint(1, max(1, 2 * budget - 1)), 16
        else:
            steps, loop_weight = rng.randint(2, procedure.last_stage + 2), 1
        for _ in range(steps):
            if not state.is_open or events >= event_target:
                break
            actor = actor_for(state)
            if actor is None:
                break
            actions = allowed_actions(state, actor)
            action = rng.choices(actions, weights=[
                loop_weight if a.code.startswith(RETURN_CODES[0]) else
                1 if a.code == RETURN_CODES[1] else 8 for a in actions])[0]
            schedule = {n: (when + timedelta(days=3 + n)).date()
                        for n in procedure.scheduled_stages()}
            event = decide(state, actor, action.code, comment="Observación" if
                           action.requires_comment else "", now=when,
                           event_id=f"ev{number:06d}{state.seq:02d}",
                           expected_seq=state.seq, schedule=schedule)
            if state.seq == 0:
                event = registering(event, request)  # the route, in the signed record
            state = evolve(state, event)
            values = SCHEMA.events.cells(event)
            signature, last_hash = sealer.seal(last_hash, [values.get(h, "") for h in signed])
            values[hash_column], values[signature_column] = last_hash, signature
            event_rows.append([values.get(h, "") for h in event_headers])
            events += 1
            when += timedelta(hours=rng.randint(2, 40))
        row = request_row(request, state.status.value, state.stage, state.seq,
                          state.events[-1].at if state.events else created, state.protected)
        request_rows.append(_cells("solicitudes", SCHEMA.of(RequestRow).cells(row)))
    tabs["eventos"].rows = event_rows
    tabs["solicitudes"].rows = request_rows
    return tabs


def _cells(tab: str, row: dict[str, str]) -> list[str]:
    return [row.get(h, "") for h in TABS_BY_NAME[tab].headers]



def with_service_rows(  # type: ignore[no-untyped-def]
    tabs, now: datetime, plan_items: int = 120, publications: int = 1_000,
    questions: int = 2_000, seed: int = 11,
):
    """``tabs`` plus the rows the service pages read: plan items over the year around
    ``now``, direct publications, questions from the public and crisis incidents."""
    from core.domain.models import (
        CrisisIncident,
        DirectPublication,
        PlanItem,
        PublicationType,
        PublicQuestion,
    )

    rng = random.Random(seed)
    channels = ["Facebook", "Instagram", "X (Twitter)", "YouTube", "LinkedIn"]
    services = ["Firma digital", "Dominios .bo", "Ciudadanía digital", "Portal de trámites",
                "Centro de Gestión de Incidentes", "Servicios de la ADSIB"]
    rows: dict[str, list[list[str]]] = {}

    def add(record: object) -> None:
        spec = SCHEMA.of(type(record))  # type: ignore[arg-type]
        rows.setdefault(spec.name, []).append(
            [spec.cells(record).get(h, "") for h in spec.headers])  # type: ignore[arg-type]

    for n in range(plan_items):
        start = now.date() + timedelta(days=rng.randint(-180, 180))
        add(PlanItem(item_id=f"PLAN-B-{n:04d}", service=rng.choice(services),
                     campaign=rng.choice(["", "Campaña de gestión"]),
                     channels=", ".join(rng.sample(channels, 2)),
                     type=PublicationType(str(rng.randint(1, 7))), start=start,
                     end=start + timedelta(days=rng.choice([0, 0, 3])),
                     created_by="profesional"))
    for n in range(publications):
        add(DirectPublication(publication_id=f"PUB-B-{n:05d}",
                              type=PublicationType(str(rng.randint(4, 7))),
                              title=f"Publicación directa {n}", channel=rng.choice(channels),
                              link=f"https://www.facebook.com/adsib.bo/posts/{n}",
                              published_at=now - timedelta(hours=rng.randint(1, 8_000)),
                              recorded_by="admin.rrss"))
    for n in range(questions):
        received = now - timedelta(minutes=rng.randint(20, 500_000))
        answered = received + timedelta(minutes=rng.randint(1, 40))
        add(PublicQuestion(question_id=f"CON-B-{n:05d}", received_at=received,
                           channel=rng.choice(channels), summary=f"Consulta {n}",
                           answered_at=answered, mode="publica", answered_by="editor"))
    for n in range(20):
        opened = now - timedelta(days=rng.randint(1, 360))
        add(CrisisIncident(incident_id=f"INC-B-{n:03d}", description=f"Crisis {n}",
                           leader="jefe.ugs", opened_at=opened,
                           closed_at=opened + timedelta(hours=5)))
    for name, extra in rows.items():
        tabs[name].rows = [*tabs[name].rows, *extra]
    return tabs
