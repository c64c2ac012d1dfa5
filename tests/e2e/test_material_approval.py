"""The material in a real browser: the professional writes the post and uploads the poster
with the stage's action; the requesting unit sees the image and the post card on the page
and approves exactly that version; a file that is not what its name says is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_helpers import (
    Browser,
    Page,
    Server,
    expect,
    login,
    needs_browser,
    new_tab,
    open_from_inbox,
    settle,
    widget,
)
from support.material_files import HTML_AS_PNG, image_bytes
from support.material_flow import new_p3_request, state_of, to_stage

from core.domain import materials as rules
from wiring import local_now

pytestmark = [pytest.mark.e2e, needs_browser]

POST = "Mantenimiento del registro .bo\nEl sábado no hay atención. #nicbo https://nic.bo/aviso"


def _request_at_6(server: Server, page: Page, title: str) -> tuple[str, int]:
    """A request of procedure 3 walked to stage 6 through the use cases (the server's own
    workbook, built with demo data when the page was first opened)."""
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()
    repo = server.repository()
    now = local_now()
    rid = new_p3_request(repo, now, title)
    state = to_stage(repo, rid, 6, now)
    return rid, state.seq


def _compose(page: Page, rid: str, seq: int, files: list[Path]) -> None:
    widget(page, f"mat_text_todas_{rid}_{seq}").locator("textarea").fill(POST)
    page.keyboard.press("Tab")
    settle(page)
    widget(page, f"mat_files_{rid}_{seq}").locator("input[type=file]").set_input_files(
        [str(f) for f in files])
    settle(page)


def test_an_approver_sees_the_image_and_the_post_card_and_approves_them(
        server: Server, browser: Browser, tmp_path: Path,
        screenshot: Callable[[Page, str], Path]) -> None:
    professional = new_tab(browser, server.url)
    rid, seq = _request_at_6(server, professional, "Afiche del mantenimiento")
    poster = tmp_path / "afiche mantenimiento.png"
    poster.write_bytes(image_bytes("PNG", (1080, 1080), colour=(20, 90, 160)))

    login(professional, "profesional")
    open_from_inbox(professional, rid)
    _compose(professional, rid, seq, [poster])
    expect(professional.get_by_text("✓ «afiche mantenimiento.png» · PNG")).to_be_visible()
    expect(professional.get_by_text("#nicbo").first).to_be_visible()  # the live preview
    professional.get_by_text("✓ «afiche mantenimiento.png»").scroll_into_view_if_needed()
    screenshot(professional, "material-composer")
    widget(professional, "action_avanzar").get_by_role("button").click()
    expect(professional.get_by_test_id("stAlertContentSuccess").first).to_contain_text(
        "Acción registrada")
    professional.context.close()

    unit = new_tab(browser, server.url)
    login(unit, "solicitante")
    open_from_inbox(unit, rid)
    image = unit.get_by_test_id("stImage").locator("img").first
    expect(image).to_be_visible()
    assert unit.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    served = unit.request.get(image.get_attribute("src") or "")
    assert served.headers["content-type"].startswith("image/")  # a preview the app drew
    card = unit.get_by_test_id("stVerticalBlock").filter(
        has=unit.get_by_text("vista previa de la publicación")).last
    expect(card).to_contain_text("El sábado no hay atención.")
    expect(card).to_contain_text("#nicbo")
    expect(card).to_contain_text(f"X (Twitter): {rules.x_length(POST)} / 280 caracteres")
    expect(unit.get_by_text(re.compile(r"Al aprobar, usted aprueba la versión 1"))) \
        .to_be_visible()
    unit.get_by_role("heading", name="Material", exact=True).scroll_into_view_if_needed()
    screenshot(unit, "material-approver")
    widget(unit, "action_avanzar").get_by_role("button").click()
    expect(unit.get_by_test_id("stAlertContentSuccess").first).to_contain_text(
        "Acción registrada")
    settle(unit)
    expect(unit.get_by_text(re.compile(r"^Versión aprobada: 1 por Pedro Choque"))) \
        .to_be_visible()
    unit.context.close()

    state = state_of(server.repository(), rid)
    submitted = json.loads(state.events[-2].data)["material"]
    approved = json.loads(state.events[-1].data)["material_aprobado"]
    assert approved == {"version": 1, "sha256": submitted["sha256"]}


def test_an_html_file_named_png_is_refused_in_the_browser_and_nothing_is_sent(
        server: Server, browser: Browser, tmp_path: Path) -> None:
    page = new_tab(browser, server.url)
    rid, seq = _request_at_6(server, page, "Archivo engañoso")
    fake = tmp_path / "foto.png"
    fake.write_bytes(HTML_AS_PNG)
    login(page, "profesional")
    open_from_inbox(page, rid)
    _compose(page, rid, seq, [fake])
    expect(page.get_by_text(re.compile(r"«foto\.png» es una página web"))).to_be_visible()
    widget(page, "action_avanzar").get_by_role("button").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentError").first).to_contain_text("página web")
    assert state_of(server.repository(), rid).seq == seq
    page.context.close()
