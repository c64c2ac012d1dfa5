"""Auditoría (with the banner every page shows), Salud de datos and Órdenes de eliminación,
driven through AppTest on real workbooks, some of them edited by hand with openpyxl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from support.fixed import TEST_ENV

from core.adapters.workbook.xlsx import read_workbook
from core.domain.ports import Repository
from sheets_schema.tabs import TABS_BY_NAME
from tests.app.user_session import UserSession
from wiring import Settings, create_workbook

BANNER = "El registro de eventos fue modificado fuera de la aplicación"
EVENTS = TABS_BY_NAME["eventos"].headers


@pytest.fixture
def workbook(tmp_path: Path) -> tuple[Path, Repository]:
    """A demo workbook of this test's own, since these tests edit it."""
    path = tmp_path / "ledger.xlsx"
    return path, create_workbook(Settings(path, "L", TEST_ENV), demo=True)


def edit(path: Path, tab: str, change: Callable[[Any], None]) -> None:
    book = openpyxl.load_workbook(path)
    change(book[tab])
    book.save(path)


def banners(session: UserSession) -> list[str]:
    return [e.value for e in session.at.error if BANNER in e.value]


def table(session: UserSession, column: str) -> pd.DataFrame:
    """The one table on the page with that column (AppTest gives tables no key)."""
    frames = [d.value for d in session.at.dataframe if column in d.value.columns]
    assert len(frames) == 1, f"{len(frames)} tables with «{column}»"
    return frames[0]


def health_tables(session: UserSession) -> dict[str, pd.DataFrame]:
    """Salud de datos' tables by tab: each follows its subheader «tab» · n problema(s)."""
    tabs = [h.value.split("»")[0].lstrip("«") for h in session.at.subheader
            if h.value.startswith("«")]
    frames = [d.value for d in session.at.dataframe if "Cómo corregirlo" in d.value.columns]
    assert len(tabs) == len(frames)
    return dict(zip(tabs, frames, strict=True))


def test_an_intact_record_shows_no_banner_and_says_so(demo_repo: Repository) -> None:
    session = UserSession("directora", demo_repo)
    session.page("auditoria")
    assert session.at.title[0].value == "Auditoría"
    assert banners(session) == []
    assert any("La cadena está intacta" in s for s in session.successes())
    assert session.metric("Sin revisar") == "0"
    labels = {b.label for b in session.at.get("download_button")}
    assert labels == {"Descargar CSV", "Descargar Excel"}


def test_a_hand_edit_raises_a_banner_everywhere_until_de_acknowledges_it(
        workbook: tuple[Path, Repository]) -> None:
    path, repo = workbook
    edit(path, "eventos", lambda s: s.cell(8, EVENTS.index("usuario") + 1, "otra.persona"))

    requester = UserSession("solicitante", repo)
    assert len(banners(requester)) == 1 and "fila 8" in banners(requester)[0]
    requester.page("nueva_solicitud")
    assert len(banners(requester)) == 1

    director = UserSession("directora", repo)
    director.page("auditoria")
    findings = table(director, "Hallazgo")
    assert list(findings["Fila"]) == [8]
    assert list(findings["Hallazgo"]) == ["Fila modificada"]
    assert findings["Valor actual"][0] == "usuario: otra.persona"
    assert findings["Estado"][0] == "Sin revisar"

    director.button("Acusar recibo de 1 hallazgo(s)").click()
    director.run()
    assert any("Comentario: explique qué revisó" in e for e in director.errors())
    director.at.text_area(key="audit_comment").input("Se restituirá desde la copia de ayer.")
    director.at.button(key="audit_ack").click()
    director.run()
    assert banners(director) == []
    assert "Acuse registrado" in director.successes()[0]
    assert table(director, "Hallazgo")["Estado"][0] == "Revisado"
    acks = table(director, "Cabeza de la cadena")
    assert list(acks["Usuario"]) == ["directora"]
    assert list(acks["Comentario"]) == ["Se restituirá desde la copia de ayer."]

    requester.run()
    assert banners(requester) == []

    edit(path, "eventos", lambda s: s.delete_rows(12))
    requester.run()
    assert len(banners(requester)) == 1 and "fila 12" in banners(requester)[0]


def test_the_ugs_head_may_acknowledge_too(workbook: tuple[Path, Repository]) -> None:
    path, repo = workbook
    edit(path, "eventos", lambda s: s.cell(5, EVENTS.index("comentario") + 1, "Visto"))
    head = UserSession("jefe.ugs", repo)
    head.page("auditoria")
    head.at.text_area(key="audit_comment").input("Revisado.")
    head.at.button(key="audit_ack").click()
    head.run()
    assert banners(head) == [] and head.metric("Sin revisar") == "0"


# -- Salud de datos ------------------------------------------------------------------------


def damage(path: Path) -> None:
    """A person edits three tabs by hand: a bad date, a bad yes/no, a renamed header."""
    book = openpyxl.load_workbook(path)
    plan = book["plan_promocion"]
    plan.cell(2, list(TABS_BY_NAME["plan_promocion"].headers).index("fecha_desde") + 1,
              "mañana")
    users = book["usuarios"]
    users.cell(3, list(TABS_BY_NAME["usuarios"].headers).index("activo") + 1, "quizá")
    direct = book["publicaciones_directas"]
    direct.cell(1, list(TABS_BY_NAME["publicaciones_directas"].headers).index("canal") + 1,
                "red")
    book.save(path)


def test_data_health_lists_each_bad_row_with_how_to_fix_it(
        workbook: tuple[Path, Repository]) -> None:
    path, repo = workbook
    damage(path)
    before = dict(read_workbook(path))
    session = UserSession("admin", repo)
    session.page("salud_datos")
    assert session.at.title[0].value == "Salud de datos"

    health = health_tables(session)
    assert set(health) == {"plan_promocion", "usuarios", "publicaciones_directas"}
    plan = health["plan_promocion"]
    assert (plan["Fila"][0], plan["Columna"][0], plan["Valor"][0]) == (2, "fecha_desde", "mañana")
    assert "DD/MM/AAAA" in plan["Cómo corregirlo"][0]
    users = health["usuarios"]  # «activo» is a view: the signed record decides
    assert (users["Fila"][0], users["Valor"][0]) == (3, "quizá")
    assert "vale el registro firmado" in users["Cómo corregirlo"][0]
    direct = health["publicaciones_directas"]
    assert list(direct["Fila"]) == [1, 1, 2, 3, 4]
    hints = dict(zip(direct["Columna"] + "@" + direct["Fila"].astype(str),
                     direct["Cómo corregirlo"], strict=True))
    assert "Restaure el encabezado «canal» en la fila 1" in hints["canal@1"]
    assert "la aplicación no la usa" in hints["red@1"]
    assert "Se corrige al restaurar el encabezado «canal»" in hints["canal@3"]

    session.at.multiselect(key="health_tabs").set_value(["usuarios"])
    session.run()
    assert set(health_tables(session)) == {"usuarios"}
    session.at.multiselect(key="health_tabs").set_value(["usuarios", "plan_promocion"])
    session.at.text_input(key="health_search").input("mañana")
    session.run()
    assert set(health_tables(session)) == {"plan_promocion"}

    after = dict(read_workbook(path))  # a page view may write (e.g. the daily digest) ...
    for tab in ("plan_promocion", "usuarios", "publicaciones_directas"):
        assert after[tab] == before[tab]  # ... but the bad rows stay exactly as they were


def test_data_health_says_when_everything_is_fine(demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.page("salud_datos")
    assert session.successes() == ["Todas las filas de todas las pestañas pasan la validación."]


# -- Órdenes de eliminación ---------------------------------------------------------------


def test_de_orders_a_removal_and_the_administrator_confirms_it(
        workbook: tuple[Path, Repository]) -> None:
    _, repo = workbook
    director = UserSession("directora", repo)
    director.page("eliminaciones")
    assert director.at.title[0].value == "Órdenes de eliminación"
    assert list(table(director, "Ordenada por")["Orden"]) == ["ELIM-2026-0001"]

    target = director.at.selectbox(key="deletion_target")
    choice = next(o for o in target.options if o.startswith("PUB-"))
    target.select(choice.split(" · ")[0])
    director.at.selectbox(key="deletion_via").select("llamada")
    director.at.text_area(key="deletion_reason").input("<b>Error</b> en la fecha [ver](x)")
    director.at.button(key="deletion_order").click()
    director.run()
    assert director.successes() == ["Orden registrada; el Administrador Principal debe "
                                    "confirmarla."]
    pending = table(director, "Ordenada por")
    assert len(pending) == 2
    mine = pending[pending["Publicación"] == choice.split(" · ")[0]].iloc[0]
    assert mine["Motivo"] == "<b>Error</b> en la fecha [ver](x)"  # stored and shown as text
    assert mine["Vía"] == "Llamada"
    assert not any(b.key == "deletion_confirm" for b in director.at.button)

    admin = UserSession("admin.rrss", repo)
    admin.page("eliminaciones")
    assert not any(b.key == "deletion_order" for b in admin.at.button)
    admin.at.selectbox(key="deletion_pick").select(mine["Orden"])
    admin.at.text_input(key="deletion_note").input("Eliminada 10:05")
    admin.at.button(key="deletion_confirm").click()
    admin.run()
    assert admin.errors() == [] and admin.successes() == ["Eliminación confirmada."]
    done = table(admin, "Confirmada por")
    assert list(done["Orden"]) == [mine["Orden"]]
    assert list(done["Confirmada por"]) == ["Miguel Torrez"]


def test_a_link_without_a_network_is_refused_with_a_message(
        workbook: tuple[Path, Repository]) -> None:
    _, repo = workbook
    director = UserSession("directora", repo)
    director.page("eliminaciones")
    director.at.radio(key="deletion_kind").set_value("enlace")
    director.run()
    director.at.text_input(key="deletion_url").input("https://facebook.com/adsib/posts/9")
    director.at.text_area(key="deletion_reason").input("Mensaje ofensivo.")
    director.at.button(key="deletion_order").click()
    director.run()
    assert director.errors() == ["Red social: indique dónde está la publicación (por ejemplo "
                                 "Facebook)."]


def test_the_ugs_head_follows_the_orders_and_only_records_them_for_the_director(
        demo_repo: Repository) -> None:
    head = UserSession("jefe.ugs", demo_repo)
    head.page("eliminaciones")
    assert list(table(head, "Ordenada por")["Orden"]) == ["ELIM-2026-0001"]
    assert "deletion_confirm" not in {b.key for b in head.at.button}
    assert head.at.selectbox(key="deletion_principal").value == "directora"
    assert any(h.value == "Registrar una orden de la Dirección Ejecutiva"
               for h in head.at.header)
