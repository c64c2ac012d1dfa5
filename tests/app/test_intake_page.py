"""Bandeja's intake panel: rows of «ingreso» that wait say what to correct, the UGS head
takes the valid ones, and the app never writes into the tab people type in."""

from __future__ import annotations

from support.fixed import TEST_SEALER

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import RawChange
from core.domain.ports import Repository
from core.services import intake
from sheets_schema import default_rules
from sheets_schema.tabs import SCHEMA
from tests.app.user_session import UserSession

ROW = {"marca_temporal": "30/11/2026 9:15:00", "usuario": "solicitante", "unidad": "NIC",
       "titulo": "Feria de servicios", "objetivo": "Invitar", "resumen": "Stand de la ADSIB",
       "protegida_por_norma": "no"}


def test_the_ugs_head_sees_what_each_waiting_row_lacks_and_takes_the_valid_ones(
        demo_repo: Repository) -> None:
    repo = InMemoryRepository(demo_repo.snapshot().tabs, SCHEMA, default_rules(), TEST_SEALER)
    repo.commit(RawChange().append_cells("ingreso", ROW).append_cells(
        "ingreso", {**ROW, "marca_temporal": "30/11/2026 9:20:00", "titulo": ""}))
    typed = [list(r) for r in repo.snapshot().tabs["ingreso"].rows]
    session = UserSession("jefe.ugs", repo)
    session.page("bandeja")
    waiting = next(d.value for d in session.at.dataframe if "Qué corregir" in d.value.columns)
    assert list(waiting["Fila"]) == [3] and "falta «titulo»" in waiting["Qué corregir"][0]
    session.at.button(key="intake_take").click()
    session.run()
    ledger = repo.snapshot().ledger
    [request_id] = intake.taken(ledger).values()
    assert ledger.requests[request_id].title == "Feria de servicios"
    assert "1 solicitud(es) registrada(s); 1 fila(s) esperan corrección." in \
        session.successes()
    assert [list(r) for r in repo.snapshot().tabs["ingreso"].rows] == typed
