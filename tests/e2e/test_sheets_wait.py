"""On a Google Sheet (the stand-in, in the server's process), when Google's per-minute
quota makes an action wait, the person reads why in the browser while it waits, and then
sees the action done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_helpers import (
    Browser,
    Page,
    SheetsServer,
    expect,
    go_to,
    login,
    needs_browser,
    new_tab,
    widget,
)

pytestmark = [pytest.mark.e2e, needs_browser]


def test_while_google_makes_an_action_wait_the_person_reads_why_in_the_browser(
        tmp_path: Path, browser: Browser, request: pytest.FixtureRequest,
        screenshot: Callable[[Page, str], Path]) -> None:
    server = SheetsServer(tmp_path, retry_after=6)
    request.addfinalizer(server.stop)
    page = new_tab(browser, server.url)
    login(page, "solicitante")
    go_to(page, "Nueva solicitud")
    widget(page, "new_title").get_by_role("textbox").fill("Aviso durante la espera")
    widget(page, "new_objective").get_by_role("textbox").fill("Informar")
    widget(page, "new_summary").get_by_role("textbox").fill("Resumen del aviso")
    server.quota_used_up()
    page.get_by_role("button", name="Registrar solicitud").click()

    toast = page.get_by_test_id("stToast").filter(has_text="Google Sheets pide esperar")
    expect(toast).to_be_visible(timeout=10_000)
    expect(toast).to_contain_text("se reintenta guardar en 6 s")
    expect(toast).to_contain_text("Aún no se guardó nada")
    # Shown while the action still waits, not after it:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                           "running")
    screenshot(page, "espera-cuota-google")

    expect(page.get_by_text("registrada.")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Solicitud", exact=True)).to_be_visible()
    page.context.close()
