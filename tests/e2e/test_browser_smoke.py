"""Browser smoke test: the real server, a real headless Chromium, a real demo workbook.

Run with ``pytest -m e2e tests/e2e``. Skipped when Debian's Chromium is not installed (the
tests never download a browser). The server and browser fixtures are in conftest.py, the
steps a person takes in e2e_helpers.py. Screenshots go to the test's temporary directory,
or to ``$RRSS_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from e2e_helpers import (
    Browser,
    Page,
    Server,
    act,
    choose,
    expect,
    go_to,
    login,
    needs_browser,
    new_tab,
    open_from_inbox,
    settle,
    stage,
    start_server,
    type_date,
    widget,
)

pytestmark = [pytest.mark.e2e, needs_browser]


# -- tests -----------------------------------------------------------------------------------


def test_the_ugs_head_logs_in_and_sees_the_bandeja_with_the_inbox_table(
        server: Server, browser: Browser, shots: Path) -> None:
    page = new_tab(browser, server.url)
    expect(page.get_by_role("heading", name="Publicaciones en redes sociales")).to_be_visible()
    login(page, "jefe.ugs")
    expect(page.get_by_role("heading", name=re.compile(r"^Pendientes de mi acción"))) \
        .to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_text("Datos de demostración")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Usuarios y unidades")) \
        .to_have_count(1)
    page.screenshot(path=shots / "bandeja-jefe-ugs.png")
    assert (shots / "bandeja-jefe-ugs.png").stat().st_size > 10_000
    page.context.close()


def test_a_wrong_password_shows_the_spanish_error(server: Server, browser: Browser) -> None:
    page = new_tab(browser, server.url)
    page.get_by_label("Usuario").fill("jefe.ugs")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_text("Usuario o contraseña incorrectos.")).to_be_visible()
    page.context.close()


def test_a_link_to_a_request_opened_first_after_a_restart_leads_to_the_login_form(
        tmp_path: Path, browser: Browser, request: pytest.FixtureRequest) -> None:
    fresh = start_server(tmp_path, request)  # nobody has opened app.py in this process yet
    page = new_tab(browser, f"{fresh.url}/solicitud?id=SOL-2026-0001")
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()
    expect(page.get_by_text("Inicie sesión para continuar.")).to_have_count(0)
    expect(page.get_by_role("link", name="usuarios")).to_have_count(0)
    page.context.close()


def test_a_promotion_walks_all_eight_stages_through_the_committee_in_the_browser(
        server: Server, browser: Browser, shots: Path) -> None:
    """SLOW: the full walk of procedure 1 (five people, eight stages, about half a minute).

    Deselect it with ``-k "not walks_all_eight"`` when only the smoke checks are wanted.
    """
    tabs = {user: new_tab(browser, server.url) for user in (
        "directora", "jefe.ugs", "profesional", "comite", "admin.rrss")}
    for user, page in tabs.items():
        login(page, user)

    # Stage 1: Dirección Ejecutiva registers the request.
    de = tabs["directora"]
    go_to(de, "Nueva solicitud")
    choose(de, "new_procedure", "1 · Publicación de promoción")
    widget(de, "new_title").locator("input").fill("Promoción e2e: firma digital en el móvil")
    widget(de, "new_objective").locator("textarea").fill("Dar a conocer la firma móvil.")
    widget(de, "new_summary").locator("textarea").fill("Campaña pagada de dos semanas.")
    widget(de, "new_reference").locator("input").fill("Plan de Promoción de Servicios 2026")
    choose(de, "new_unit", "NIC · Unidad NIC Bolivia")  # asked: DE is not the unit
    de.get_by_role("button", name="Registrar solicitud").click()
    flash = de.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text("registrada")
    found = re.search(r"SOL-\d{4}-\d{4}", flash.inner_text())
    assert found
    request_id = found.group(0)
    settle(de)
    assert stage(de) == "2 de 8"

    def step(user: str, number: int, code: str, comment: str = "") -> Page:
        page = tabs[user]
        open_from_inbox(page, request_id)
        assert stage(page) == f"{number} de 8"
        act(page, code, comment)
        return page

    step("jefe.ugs", 2, "avanzar")
    professional = tabs["profesional"]
    open_from_inbox(professional, request_id)
    expect(professional.get_by_text("Cronograma", exact=True)).to_be_visible()
    proposed = {n: date.fromisoformat(widget(professional, f"schedule_{n}")
                                      .locator("input[type=date]").input_value())
                for n in (6, 7, 8)}
    assert proposed[6] <= proposed[7] <= proposed[8]
    publish_on = proposed[8] + timedelta(days=1)
    type_date(professional, "schedule_8", publish_on)
    act(professional, "avanzar")
    assert server.state(request_id).schedule == {**proposed, 8: publish_on}
    step("jefe.ugs", 4, "comite", comment="Contiene datos protegidos por norma.")
    committee = tabs["comite"]
    open_from_inbox(committee, request_id)
    expect(committee.get_by_text("Comité de aprobación de RRSS").first).to_be_visible()
    act(committee, "avanzar")
    step("profesional", 6, "avanzar")
    step("jefe.ugs", 7, "avanzar")
    admin = step("admin.rrss", 8, "avanzar")

    status = admin.get_by_test_id("stMetric").filter(has_text="Estado")
    expect(status.get_by_test_id("stMetricValue")).to_have_text("Publicada")
    expect(admin.locator(".st-key-action_avanzar")).to_have_count(0)
    assert server.state(request_id).status.label == "Publicada"
    assert [(e.actor, e.outcome) for e in server.state(request_id).events] == [
        ("directora", "avanzar"), ("jefe.ugs", "avanzar"), ("profesional", "avanzar"),
        ("jefe.ugs", "comite"), ("comite", "avanzar"), ("profesional", "avanzar"),
        ("jefe.ugs", "avanzar"), ("admin.rrss", "avanzar")]
    admin.screenshot(path=shots / "solicitud-publicada.png")
    for page in tabs.values():
        page.context.close()
