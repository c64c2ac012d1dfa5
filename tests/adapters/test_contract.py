"""The storage contract: the same tests, unchanged, against every backend.

What the services rely on: what is written reads back cell for cell (hostile text
included), a change is all or nothing, a guard refuses on the freshest content, and
concurrent writers (threads, several app servers) lose nothing, double nothing and tell
the loser. Also the intake tab, which every backend runs through the same code path.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from contract_helpers import (
    NOW,
    Backend,
    advance,
    chain_breaks,
    column,
    new_request,
    run_together,
)

from core.adapters.tabular import RawChange
from core.domain.errors import ConcurrentChange, NotAllowed, StorageError
from core.domain.models import Event, EventKind, Status
from core.services import accounts, intake, notifications
from core.services import administration as admin
from sheets_schema.tabs import ALL_TABS

TABS_BY_HEADERS = {spec.name: spec.headers for spec in ALL_TABS}
HOSTILE = [
    "=SUM(A1:A9)",  # a formula typed as text stays text
    "+54 (591) 2-200720",
    "0012",  # leading zeros
    "1.50",
    "2026-12-05",  # looks like a date
    "'quoted",
    "línea uno\nlínea dos",
    "  espacios  ",
    "ñandú «comillas» — ☃ 😀",
    "TRUE",
    "#N/A",
]


def hostile_value(tab: str, header: str, index: int) -> str:
    """A value for every column of every tab: hostile text where the model allows any."""
    return f"{HOSTILE[index % len(HOSTILE)]} {tab}.{header}"


def test_what_is_written_to_every_tab_reads_back_cell_for_cell_from_another_server(
        backend: Backend) -> None:
    writer = backend.open()
    change = RawChange(summary="ida y vuelta")
    expected: dict[str, list[str]] = {}
    counter = itertools.count()
    for spec in ALL_TABS:
        if spec.name == "eventos":
            continue  # event rows are sealed by the adapter; checked below
        row = {h: hostile_value(spec.name, h, next(counter)) for h in spec.headers}
        change.append_cells(spec.name, row)
        expected[spec.name] = [row[h] for h in spec.headers]
    event = Event(event_id="ida-y-vuelta", kind=EventKind.USER, subject="admin", seq=1,
                  outcome="probar", actor="admin", at=NOW, comment=HOSTILE[0])
    change.add(event)
    writer.commit(change)

    reader = backend.open()
    raw = reader.snapshot().tabs
    for name, cells in expected.items():
        header = raw[name].header
        found = [dict(zip(header, r, strict=False)) for r in raw[name].rows]
        last = found[-1]
        assert [last.get(h, "") for h in TABS_BY_HEADERS[name]] == cells, name
    events = raw["eventos"]
    last_event = dict(zip(events.header, events.rows[-1], strict=False))
    assert last_event["comentario"] == "=SUM(A1:A9)"
    assert last_event["hash"] and chain_breaks([events.header, *events.rows]) == []


def test_an_update_changes_only_the_named_cells_of_the_keyed_row(backend: Backend) -> None:
    repo = backend.open()
    request_id = new_request(repo, "Título original")
    before = dict(zip(*_request_row(backend, request_id), strict=False))
    repo.commit(RawChange().update_cells("solicitudes", request_id, {"referencia": "=1+1"}))
    after = dict(zip(*_request_row(backend, request_id), strict=False))
    assert after["referencia"] == "=1+1"
    assert {k: v for k, v in after.items() if k != "referencia"} == \
        {k: v for k, v in before.items() if k != "referencia"}


def _request_row(backend: Backend, request_id: str) -> tuple[list[str], list[str]]:
    rows = backend.content()["solicitudes"]
    header = rows[0]
    row = next(r for r in rows[1:] if r and r[header.index("id_solicitud")] == request_id)
    return header, row + [""] * (len(header) - len(row))


def test_an_action_appends_its_event_and_updates_the_request_row_together(
        backend: Backend) -> None:
    repo = backend.open()
    request_id = new_request(repo, "Acción de prueba")
    state = advance(repo, request_id, event_id="accion-1")
    assert state.seq == 2 and state.stage == 3

    fresh = backend.open().snapshot().ledger
    assert fresh.state(request_id).seq == 2  # type: ignore[union-attr]
    header, row = _request_row(backend, request_id)
    assert row[header.index("secuencia")] == "2" and row[header.index("etapa")] == "3"
    events = backend.content()["eventos"]
    assert Counter(column(events, "id_evento"))["accion-1"] == 1
    assert chain_breaks(events) == []


def test_a_stale_action_is_refused_and_writes_nothing(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    request_id = new_request(first, "Dos personas, una etapa")
    seen = second.snapshot().ledger.state(request_id)
    assert seen is not None and seen.seq == 1
    advance(first, request_id, event_id="gana")
    before = backend.content()

    with pytest.raises(ConcurrentChange) as refused:
        advance(second, request_id, event_id="pierde", expected=1)
    assert "otra persona ya actuó" in refused.value.message.lower()
    assert backend.content() == before
    assert second.snapshot().ledger.state(request_id).seq == 2  # type: ignore[union-attr]


def test_a_change_that_cannot_apply_writes_none_of_its_rows(backend: Backend) -> None:
    repo = backend.open()
    before = backend.content()
    change = RawChange()
    change.append_cells("dias_no_laborables", {"fecha": "2026-12-24",
                                               "descripcion": "Nochebuena"})
    change.update_cells("solicitudes", "SOL-NO-EXISTE", {"referencia": "x"})
    with pytest.raises(StorageError):
        repo.commit(change)
    assert backend.content() == before


def test_a_row_update_is_refused_when_a_person_edited_that_row_since_it_was_read(
        backend: Backend) -> None:
    number = backend.person_appends("unidades", {"codigo": "NUEVA", "nombre": "Primera",
                                                 "activa": "sí"})
    repo = backend.open()
    cells = repo.snapshot().tabs["unidades"].rows[number - 2]
    backend.person_sets("unidades", number, "nombre", "Primera (corregida)")
    with pytest.raises(ConcurrentChange):
        repo.commit(RawChange().update_row("unidades", number, cells, {"activa": "no"}))
    rows = backend.content()["unidades"]
    assert column(rows, "activa")[-1] == "sí"
    assert column(rows, "nombre")[-1] == "Primera (corregida)"


def test_threads_on_two_servers_racing_for_one_stage_produce_one_event_and_tell_the_others(
        backend: Backend) -> None:
    servers = [backend.open(), backend.open()]
    request_id = new_request(servers[0], "Carrera por una etapa")
    for repo in servers:
        repo.snapshot()  # each server has read the request at sequence 1

    calls = [lambda i=i: advance(servers[i % 2], request_id, event_id=f"hilo{i}", expected=1)
             for i in range(6)]
    outcomes = run_together(calls)

    winners = [o.worker for o in outcomes if not isinstance(o.result, Exception)]
    losers = [o for o in outcomes if isinstance(o.result, ConcurrentChange)]
    assert len(winners) == 1 and len(losers) == 5, [o.result for o in outcomes]
    events = backend.content()["eventos"]
    ids = column(events, "id_evento")
    assert [i for i in ids if i.startswith("hilo")] == [f"hilo{winners[0]}"]
    assert chain_breaks(events) == []
    state = backend.open().snapshot().ledger.state(request_id)
    assert state is not None and state.seq == 2 and state.superseded == ()


def test_threads_on_two_servers_driving_requests_to_the_end_lose_and_double_nothing(
        backend: Backend) -> None:
    servers = [backend.open(), backend.open()]
    requests = [new_request(servers[0], f"Concurrente {i}") for i in range(3)]
    written: list[str] = []
    told = Counter[str]()

    def worker(index: int) -> None:
        repo = servers[index % 2]
        for request_id in itertools.islice(itertools.cycle(requests), index, index + 60):
            state = repo.snapshot().ledger.state(request_id)
            if state is None or not state.is_open:
                continue
            event_id = f"w{index}-{request_id}-{state.seq + 1}"
            try:
                advance(repo, request_id, event_id=event_id, expected=state.seq)
            except ConcurrentChange:
                told[request_id] += 1
                continue
            written.append(event_id)

    run_together([lambda i=i: worker(i) for i in range(4)])

    content = backend.content()
    ids = Counter(column(content["eventos"], "id_evento"))
    assert [i for i in written if ids[i] != 1] == []  # nothing lost
    assert [i for i, n in ids.items() if n != 1] == []  # nothing doubled
    assert chain_breaks(content["eventos"]) == []
    ledger = backend.open().snapshot().ledger
    for request_id in requests:
        state = ledger.state(request_id)
        assert state is not None and state.superseded == ()
        mine = [e.event_id for e in state.events if e.event_id.startswith("w")]
        assert [e.seq for e in state.events] == list(range(1, len(state.events) + 1))
        assert sorted(mine) == sorted(i for i in written if f"-{request_id}-" in i)
    assert ledger.issues == []


def test_concurrent_new_requests_from_two_servers_all_land_with_distinct_numbers(
        backend: Backend) -> None:
    # Three at the same instant: create_request retries a taken number up to three times.
    servers = [backend.open(), backend.open()]
    outcomes = run_together([lambda i=i: new_request(servers[i % 2], f"Nueva {i}")
                             for i in range(3)])
    created = [o.result for o in outcomes]
    assert all(isinstance(r, str) for r in created), created
    assert len(set(created)) == 3
    ledger = backend.open().snapshot().ledger
    assert {ledger.requests[r].title for r in created} == {f"Nueva {i}" for i in range(3)}
    assert chain_breaks(backend.content()["eventos"]) == []


# -- intake («ingreso») ----------------------------------------------------------------------

VALID = {"marca_temporal": "30/11/2026 9:15:00", "usuario": "solicitante", "unidad": "NIC",
         "titulo": "Feria de servicios digitales", "objetivo": "Invitar al público",
         "resumen": "Stand de la ADSIB en la feria", "fotos_enlaces": "https://adsib.gob.bo",
         "publicar_desde": "2026-12-01", "publicar_hasta": "5/12/2026",
         "protegida_por_norma": "no"}


def test_a_valid_intake_row_becomes_a_procedure_3_request_once(backend: Backend) -> None:
    number = backend.person_appends("ingreso", VALID)
    repo = backend.open()
    report = intake.process(repo, NOW)

    assert [row for row, _ in report.registered] == [number]
    request_id = report.registered[0][1]
    ledger = backend.open().snapshot().ledger
    request = ledger.requests[request_id]
    assert (request.procedure, request.created_by, request.unit, request.title) == \
        (3, "solicitante", "NIC", "Feria de servicios digitales")
    assert str(request.publish_to) == "2026-12-05"
    state = ledger.state(request_id)
    assert state is not None and state.status is Status.IN_PROGRESS and state.stage == 2
    assert list(intake.taken(ledger).values()) == [request_id]
    assert intake.review(ledger) == []

    before = backend.content()
    again = intake.process(backend.open(), NOW)
    assert again.registered == [] and backend.content() == before
    assert not intake.pending(backend.open().snapshot().ledger)


def test_the_app_never_writes_into_the_intake_tab(backend: Backend) -> None:
    backend.person_appends("ingreso", VALID)
    backend.person_appends("ingreso", {**VALID, "marca_temporal": "1/12/2026 8:00:00",
                                       "titulo": ""})
    before = backend.content()["ingreso"]
    report = intake.process(backend.open(), NOW)
    assert len(report.registered) == 1 and len(report.waiting) == 1
    assert backend.content()["ingreso"] == before


@pytest.mark.parametrize("move", ["inserted above", "sorted", "title corrected"])
def test_an_intake_row_people_move_or_edit_after_it_was_taken_is_not_taken_again(
        backend: Backend, move: str) -> None:
    first = backend.person_appends("ingreso", VALID)
    [(_, request_id)] = intake.process(backend.open(), NOW).registered
    later = {**VALID, "marca_temporal": "1/12/2026 8:00:00", "titulo": "Otra feria"}
    if move == "inserted above":
        backend.person_inserts("ingreso", first, later)
    elif move == "sorted":
        backend.person_appends("ingreso", later)
        backend.person_sorts("ingreso", "marca_temporal", descending=True)
    else:
        backend.person_sets("ingreso", first, "titulo", "Feria (título corregido)")
    report = intake.process(backend.open(), NOW)
    ledger = backend.open().snapshot().ledger
    titles = Counter(r.title for r in ledger.requests.values())
    assert titles["Feria de servicios digitales"] == 1
    assert titles["Otra feria"] == (0 if move == "title corrected" else 1)
    assert len(report.registered) == (0 if move == "title corrected" else 1)
    assert request_id in intake.taken(ledger).values()


def test_two_rows_with_one_time_stamp_and_user_wait_until_one_is_told_apart(
        backend: Backend) -> None:
    first = backend.person_appends("ingreso", VALID)
    second = backend.person_appends("ingreso", {**VALID, "titulo": "Otra feria"})
    report = intake.process(backend.open(), NOW)
    assert report.registered == [] and [row for row, _ in report.waiting] == [first, second]
    assert "misma «marca_temporal» y el mismo usuario" in report.waiting[0][1]
    backend.person_sets("ingreso", second, "marca_temporal", "30/11/2026 9:16:00")
    assert len(intake.process(backend.open(), NOW).registered) == 2


def test_a_row_inserted_between_the_read_and_the_write_is_taken_once(
        backend: Backend) -> None:
    backend.person_appends("ingreso", VALID)
    server = backend.open()
    server.snapshot()  # the server has read the tab: one row waits
    later = {**VALID, "marca_temporal": "1/12/2026 8:00:00", "titulo": "Otra feria"}
    backend.person_inserts("ingreso", 2, later)  # the old row moves down before the write
    intake.process(server, NOW)
    intake.process(backend.open(), NOW)
    titles = Counter(r.title for r in backend.open().snapshot().ledger.requests.values())
    assert (titles["Feria de servicios digitales"], titles["Otra feria"]) == (1, 1)


@pytest.mark.parametrize(("cell", "value", "explained"), [
    ("titulo", "", "falta «titulo»"),
    ("usuario", "desconocido", "«desconocido» no es un usuario"),
    ("usuario", "directora", "no puede iniciar el procedimiento 3"),
    ("publicar_desde", "mañana", "«publicar_desde» no es una fecha"),
    ("protegida_por_norma", "quizás", "debe ser «sí» o «no»"),
    ("unidad", "UAF", "no es la de «solicitante»"),
])
def test_a_broken_intake_row_is_explained_and_waits_until_corrected(
        backend: Backend, cell: str, value: str, explained: str) -> None:
    number = backend.person_appends("ingreso", {**VALID, cell: value})
    requests_before = set(backend.open().snapshot().ledger.requests)

    report = intake.process(backend.open(), NOW)
    assert report.registered == [] and report.waiting and explained in report.waiting[0][1]
    [verdict] = intake.review(backend.open().snapshot().ledger)
    assert (verdict.row, verdict.valid) == (number, False) and explained in verdict.problem
    assert set(backend.open().snapshot().ledger.requests) == requests_before

    before = backend.content()
    assert intake.process(backend.open(), NOW).registered == []
    assert backend.content() == before  # the same verdict writes nothing

    backend.person_sets("ingreso", number, cell, VALID[cell])
    fixed = intake.process(backend.open(), NOW)
    assert [row for row, _ in fixed.registered] == [number]
    assert list(intake.taken(backend.open().snapshot().ledger).values()) == \
        [fixed.registered[0][1]]


def test_two_servers_taking_the_same_intake_rows_at_once_register_each_row_once(
        backend: Backend) -> None:
    for i in range(3):
        backend.person_appends("ingreso", {**VALID, "titulo": f"Formulario {i}",
                                           "marca_temporal": f"30/11/2026 9:1{i}:00"})
    servers = [backend.open(), backend.open()]
    for repo in servers:
        repo.snapshot()
    run_together([lambda i=i: intake.process(servers[i % 2], NOW) for i in range(4)])

    ledger = backend.open().snapshot().ledger
    titles = Counter(r.title for r in ledger.requests.values())
    assert [titles[f"Formulario {i}"] for i in range(3)] == [1, 1, 1]
    ids = list(intake.taken(ledger).values())
    assert len(set(ids)) == 3 and all(ledger.requests[i].title.startswith("Formulario")
                                      for i in ids)


# -- a damaged ledger fails closed (issue 9) ---------------------------------------------------


def _try(call: Callable[[], object]) -> Exception | None:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the test looks at what was raised
        return error
    return None


@pytest.mark.parametrize("tab", ["usuarios", "solicitudes"])
def test_a_deleted_tab_is_never_recreated_and_a_write_to_it_is_refused_naming_it(
        backend: Backend, tab: str) -> None:
    rid = new_request(backend.open(), "Antes del borrado")
    backend.person_deletes_tab(tab)
    before = backend.content()
    repo = backend.open()
    outcome = _try(lambda: repo.snapshot().ledger)
    if outcome is None:  # the workbook reads on, naming the missing tab
        ledger = repo.snapshot().ledger
        assert not accounts.needs_first_admin(ledger)
        assert any(i.tab == tab and "falta la pestaña" in i.reason for i in ledger.issues)
        write = (lambda: admin.reset_password(repo, "admin", "editor", NOW)) \
            if tab == "usuarios" else (lambda: advance(repo, rid))
        outcome = _try(write)
    assert isinstance(outcome, StorageError) and f"«{tab}»" in str(outcome), outcome
    assert backend.content() == before  # nothing re-created, nothing written


@pytest.mark.parametrize(("tab", "header"), [
    ("usuarios", "hash_contrasena"), ("solicitudes", "secuencia"), ("eventos", "firma"),
])
def test_a_renamed_header_is_never_recreated_and_no_one_becomes_administrator(
        backend: Backend, tab: str, header: str) -> None:
    backend.person_renames_header(tab, header, f"{header} (editado)")
    before = backend.content()
    repo = backend.open()
    outcome = _try(lambda: repo.snapshot().ledger)
    if outcome is None:
        ledger = repo.snapshot().ledger
        assert not accounts.needs_first_admin(ledger)
        outcome = _try(lambda: accounts.create_first_admin(
            repo, "intruso", "Intruso", "clave-larga-1", NOW))
        assert isinstance(outcome, NotAllowed)
        assert "intruso" not in repo.snapshot().ledger.users
    else:
        assert isinstance(outcome, StorageError) and f"«{header}»" in str(outcome)
    assert backend.content() == before


class _Accepting:
    """A mailer whose server takes every mail (no SMTP needed for the outbox's rows)."""

    def describe(self) -> str:
        return "prueba"

    @contextlib.contextmanager
    def session(self) -> Iterator[_Accepting]:
        yield self

    def send(self, to: str, subject: str, body: str) -> None:
        pass


def test_delivered_mails_move_whole_to_the_archive_and_nothing_else_changes(
        backend: Backend) -> None:
    repo = backend.open()
    for title in ("Uno", "Dos"):
        new_request(repo, title)
    notifications.deliver_pending(repo, _Accepting(), NOW)
    delivered = column(backend.content()["correo_saliente"], "id_correo")
    assert delivered
    new_request(repo, "Tres")  # a mail still pending when the others are archived
    before = backend.content()
    report = notifications.deliver_pending(backend.open(), _Accepting(),
                                           NOW + timedelta(days=91))
    after = backend.content()
    assert report.archived == len(delivered)
    assert sorted(column(after["correo_archivo"], "id_correo")) == sorted(delivered)
    archived = {r[0]: r for r in after["correo_archivo"][1:]}
    assert all(archived[r[0]] == r for r in before["correo_saliente"][1:] if r[0] in archived)
    assert not set(column(after["correo_saliente"], "id_correo")) & set(delivered)
    assert {n: rows for n, rows in after.items() if n not in (
        "correo_saliente", "correo_archivo", "eventos")} == {
        n: rows for n, rows in before.items() if n not in (
            "correo_saliente", "correo_archivo", "eventos")}
    assert backend.open().snapshot().ledger.issues == []
