"""A large, valid ledger made with the real workflow engine, for benchmarks.

Requests walk their procedures with the right users (returns included), so every event
is one the app could have written; rows are produced directly rather than through a
repository so that building 100,000 events takes seconds.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from core.models import Request, User
from core.repository import apply_change, Change
from core.roles import Role
from core.security import hash_password
from core.workflow import acting_role, allowed_actions, decide, evolve, initial_state
from sheets_schema import default_procedures
from sheets_schema.demo import UNITS, USERS, empty_tabs, unit_rows
from sheets_schema.tabs import TABS_BY_NAME


def synthetic_tabs(event_target: int, now: datetime, seed: int = 7):  # type: ignore[no-untyped-def]
    """Raw tabs holding about ``event_target`` request events, ending before ``now``."""
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
    change = Change()
    for row in unit_rows():
        change.append("unidades", row)
    for user in users:
        change.append("usuarios", user.to_row())
    events = 0
    number = 0
    start = now - timedelta(days=360)
    while events < event_target:
        number += 1
        procedure = procedures.current(rng.choice([1, 2, 3]))
        unit = rng.choice([code for code, _ in UNITS])
        created = start + timedelta(minutes=number * 37 % (60 * 24 * 300))
        request = Request(
            request_id=f"SOL-B-{number:06d}", created_at=created, created_by="directora",
            procedure=procedure.number, version=procedure.version,
            title=f"Publicación sintética {number}", objective="Objetivo", summary="Resumen",
            unit=unit, publish_from=created.date(), publish_to=date(2099, 1, 1),
            protected=rng.random() < 0.2,
        )
        state = initial_state(request, procedure)
        when = created
        steps = rng.randint(2, procedure.last_stage + 2)
        for _ in range(steps):
            if not state.is_open or events >= event_target:
                break
            actor = next((u for u in users if acting_role(state, u) is not None), None)
            if actor is None:
                break
            actions = allowed_actions(state, actor)
            action = rng.choices(actions, weights=[8 if a.code in ("avanzar", "comite") else 1
                                                   for a in actions])[0]
            schedule = {n: (when + timedelta(days=3 + n)).date()
                        for n in procedure.scheduled_stages()}
            event = decide(state, actor, action.code, comment="Observación" if
                           action.requires_comment else "", now=when,
                           event_id=f"ev{number:06d}{state.seq:02d}",
                           expected_seq=state.seq, schedule=schedule)
            state = evolve(state, event)
            change.append("eventos", event.to_row())
            events += 1
            when += timedelta(hours=rng.randint(2, 40))
        request = request.model_copy(update={"status": state.status, "stage": state.stage,
                                             "seq": state.seq})
        change.append("solicitudes", request.to_row())
    tabs = empty_tabs()
    apply_change(tabs, TABS_BY_NAME, change)
    return tabs
