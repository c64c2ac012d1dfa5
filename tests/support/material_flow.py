"""Walking requests through the use cases with material, on any repository (the core tests
on the in-memory ledger, the contract tests on the workbook and on Google Sheets)."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.domain.materials import trail
from core.domain.models import MaterialKind, Network
from core.domain.ports import FileStore, Repository
from core.domain.workflow import RequestState
from core.services import materials
from core.services.requests import act, create_request

# Who acts at each stage of procedure 3 among the demo users (unit NIC).
P3_ACTORS = {2: "directora", 3: "jefe.ugs", 4: "profesional", 5: "solicitante",
             6: "profesional", 7: "solicitante", 8: "jefe.ugs", 9: "admin.rrss"}


def new_p3_request(repo: Repository, now: datetime, title: str = "Aviso de mantenimiento"
                   ) -> str:
    return create_request(repo, "solicitante", {
        "procedure": 3, "title": title, "objective": "Avisar a los titulares.",
        "summary": "El registro no atenderá el sábado.", "publish_from": now.date(),
        "publish_to": now.date() + timedelta(days=60)}, now)


def state_of(repo: Repository, request_id: str) -> RequestState:
    state = repo.snapshot().ledger.state(request_id)
    assert state is not None
    return state


def step(repo: Repository, request_id: str, now: datetime, *, outcome: str = "avanzar",
         comment: str = "", draft: materials.Draft | None = None,
         store: FileStore | None = None, username: str | None = None) -> RequestState:
    state = state_of(repo, request_id)
    assert state.stage is not None
    schedule = None
    if state.stage_row is not None and state.stage_row.records_schedule:
        schedule = {n: now.date() + timedelta(days=n) for n in
                    state.procedure.scheduled_stages()}
    submission = materials.Submission(draft, store) if draft is not None and store else None
    return act(repo, username or P3_ACTORS[state.stage], request_id, outcome,
               comment=comment, expected_seq=state.seq, now=now, schedule=schedule,
               material=submission)


def to_stage(repo: Repository, request_id: str, stage: int, now: datetime) -> RequestState:
    state = state_of(repo, request_id)
    while state.stage != stage:
        state = step(repo, request_id, now)
    return state


def post(text: str = "Mantenimiento del registro .bo el sábado #dominios https://nic.bo"
         ) -> materials.Draft:
    return materials.Draft(texts={Network.ALL: text})


def with_image(data: bytes, name: str = "afiche.png", text: str = "Aviso #nic") -> \
        materials.Draft:
    return materials.Draft(texts={Network.ALL: text},
                           uploads=[materials.Upload(name, data, MaterialKind.IMAGE)])


def stamps(repo: Repository, request_id: str) -> materials.Trail:
    return trail(state_of(repo, request_id).events)
