"""A day's work in a real browser (issue 10): each procedure walked by its people through a
return, a rejection and a withdrawal, reading the observations from the page; a link from
a mail opened after the log-in; a reload that keeps the session and a log-out that ends
it; Bandeja and Solicitud read at 1366 px and on a phone (390 px) without sideways
scrolling.

Each person has their own browser context (their own cookies), logged in once. The server
is this module's (demo data, ``RRSS_PUBLIC_URL`` set to its address).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2e_helpers import (
    VIEWPORT,
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
    open_request,
    settle,
    stage,
    wait_idle,
    widget,
)

from core.domain.models import OutboxMail, Status

pytestmark = [pytest.mark.e2e, needs_browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def people(server: Server, browser: Browser) -> Iterator[Callable[[str], Page]]:
    """``people("jefe.ugs")``: that person's tab, logged in on first use and kept."""
    tabs: dict[str, Page] = {}

    def tab(username: str) -> Page:
        if username not in tabs:
            tabs[username] = new_tab(browser, server.url)
            login(tabs[username], username)
        return tabs[username]

    yield tab
    for page in tabs.values():
        page.context.close()


def register(page: Page, procedure: str, title: str, *, unit: str | None = None) -> str:
    """Nueva solicitud → the form → «Registrar solicitud»; the new request's id."""
    go_to(page, "Nueva solicitud")
    choose(page, "new_procedure", procedure)
    widget(page, "new_title").locator("input").fill(title)
    widget(page, "new_objective").locator("textarea").fill(f"Objetivo de «{title}».")
    widget(page, "new_summary").locator("textarea").fill("Resumen para redes sociales.")
    if unit:
        choose(page, "new_unit", unit)
    page.get_by_role("button", name="Registrar solicitud").click()
    flash = page.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text("registrada")
    found = re.search(r"SOL-\d{4}-\d{4}", flash.inner_text())
    assert found
    settle(page)
    return found.group(0)


def observation(page: Page) -> str:
    """The last observation shown at the top of «Solicitud»."""
    box = widget(page, "observation")
    expect(box).to_be_visible()
    return box.inner_text()


def status(page: Page) -> str:
    return page.get_by_test_id("stMetric").filter(has_text="Estado") \
        .get_by_test_id("stMetricValue").inner_text()


def withdraw_or_cancel(page: Page, code: str, reason: str) -> None:
    """The «Retirar / Cancelar» expander: reason, confirmation, button."""
    page.get_by_test_id("stExpander").filter(
        has_text=re.compile("Retirar|Cancelar")).locator("summary").click()
    text = widget(page, "exit_reason").locator("textarea")
    text.fill(reason)
    text.press("Control+Enter")  # the reason reaches the app (a rerun) before the next click
    settle(page)
    widget(page, "exit_confirm").locator("label").click()
    settle(page)
    expect(widget(page, "exit_confirm").get_by_role("checkbox")).to_be_checked()
    widget(page, f"exit_{code}").get_by_role("button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Solicitud ")
    settle(page)


def inbox_ids(page: Page) -> list[str]:
    go_to(page, "Bandeja")
    keys = page.locator("[class*='st-key-open_pending_']").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('st-key-open_pending_')))")
    return [k.removeprefix("st-key-open_pending_") for k in keys]


# -- the three procedures ------------------------------------------------------------------------


def test_procedure_one_the_committee_returns_then_rejects_and_the_director_withdraws_another(
        people: Callable[[str], Page], server: Server) -> None:
    de, ugs, professional, committee = (people(u) for u in (
        "directora", "jefe.ugs", "profesional", "comite"))
    request_id = register(de, "1 · Publicación de promoción", "Promoción e2e: trámites en línea",
                          unit="NIC · Unidad NIC Bolivia")
    assert stage(de) == "2 de 8"
    open_from_inbox(ugs, request_id)
    act(ugs, "avanzar")
    open_from_inbox(professional, request_id)
    act(professional, "avanzar")
    open_from_inbox(ugs, request_id)
    act(ugs, "comite", "Contiene datos protegidos por norma.")

    # The Committee returns it with suggestions: the professional reads them at the top.
    open_from_inbox(committee, request_id)
    act(committee, "devolver:3", "Quitar el precio del anuncio; no está aprobado.")
    open_from_inbox(professional, request_id)
    shown = observation(professional)
    assert "Devuelta a la etapa 3" in shown
    assert "Quitar el precio del anuncio; no está aprobado." in shown
    assert "Luis Quispe" in shown
    act(professional, "avanzar")
    open_from_inbox(ugs, request_id)
    act(ugs, "avanzar")  # protected now: it goes to the Committee again

    # The Committee rejects it (6 b); the DE, who asked for it, reads why.
    open_from_inbox(committee, request_id)
    act(committee, "rechazar", "La campaña no tiene presupuesto aprobado.")
    open_request(de, request_id)
    assert status(de) == "Rechazada"
    shown = observation(de)
    assert "Rechazada" in shown and "La campaña no tiene presupuesto aprobado." in shown

    # Another request: the DE withdraws it; it leaves the UGS head's inbox.
    other = register(de, "1 · Publicación de promoción", "Promoción e2e que se retira",
                     unit="NIC · Unidad NIC Bolivia")
    assert other in inbox_ids(ugs)
    open_request(de, other)
    withdraw_or_cancel(de, "retirar", "Se cambió de campaña.")
    assert status(de) == "Retirada"
    assert "Se cambió de campaña." in observation(de)
    assert other not in inbox_ids(ugs)
    assert server.state(other).status is Status.WITHDRAWN


def test_procedure_two_the_director_approves_by_phone_the_design_is_returned_and_withdrawn(
        people: Callable[[str], Page], server: Server) -> None:
    professional, ugs, design, de = (people(u) for u in (
        "profesional", "jefe.ugs", "disenio", "directora"))
    request_id = register(professional, "2 · Publicación de imágenes con diseño",
                          "Tarjetas e2e: firma digital", unit="NIC · Unidad NIC Bolivia")
    open_from_inbox(ugs, request_id)
    act(ugs, "avanzar")

    # Stage 3 is the DE's; she approved by phone and the UGS head records it in her name.
    open_request(ugs, request_id)
    choose(ugs, "behalf_route", "Llamada telefónica")
    widget(ugs, "behalf_avanzar").get_by_role("button").click()
    expect(ugs.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        "Registrado en nombre de Ana Mamani")
    settle(ugs)
    expect(widget(ugs, "timeline")).to_contain_text(
        "Ana Mamani (registrado por Rosa Condori, "
        "llamada telefónica)")

    # The UGS head does not approve the final design: back to the design team (stage 4).
    open_from_inbox(design, request_id)
    act(design, "avanzar")
    open_from_inbox(ugs, request_id)
    act(ugs, "devolver:4", "Los colores no siguen el manual de marca.")
    open_from_inbox(design, request_id)
    shown = observation(design)
    assert "Devuelta a la etapa 4" in shown and "manual de marca" in shown

    # The professional, who proposed it, withdraws it.
    open_request(professional, request_id)
    withdraw_or_cancel(professional, "retirar", "Se reemplaza por un vídeo.")
    assert status(professional) == "Retirada"
    assert request_id not in inbox_ids(design)

    # Another proposal: the DE rejects it at stage 3 and the professional reads why.
    rejected = register(professional, "2 · Publicación de imágenes con diseño",
                        "Tarjetas e2e que se rechazan", unit="NIC · Unidad NIC Bolivia")
    open_from_inbox(ugs, rejected)
    act(ugs, "avanzar")
    open_from_inbox(de, rejected)
    act(de, "rechazar", "No corresponde a la campaña de la gestión.")
    open_request(professional, rejected)
    assert status(professional) == "Rechazada"
    assert "No corresponde a la campaña de la gestión." in observation(professional)
    instructions = server.repository().snapshot().ledger.state(request_id)
    assert instructions is not None
    assert instructions.events[2].actor == "jefe.ugs" and instructions.events[2].role == "de"


def test_procedure_three_the_unit_returns_proposal_and_material_withdraws_and_is_rejected(
        people: Callable[[str], Page], server: Server) -> None:
    requester, de, ugs, professional, head, design = (people(u) for u in (
        "solicitante", "directora", "jefe.ugs", "profesional", "jefe.nic", "disenio"))
    request_id = register(requester, "3 · Publicación de información específica",
                          "Aviso e2e: mantenimiento del registro")
    for page in (de, ugs, professional):
        open_from_inbox(page, request_id)
        act(page, "avanzar")

    # The unit returns the proposal; the professional reads the observation at the top.
    open_from_inbox(head, request_id)
    act(head, "devolver:4", "Falta el horario alternativo de atención.")
    open_from_inbox(professional, request_id)
    assert "Falta el horario alternativo de atención." in observation(professional)
    act(professional, "avanzar")
    open_from_inbox(head, request_id)
    act(head, "avanzar")
    open_from_inbox(design, request_id)
    act(design, "avanzar")

    # The unit does not approve the material (7 → 6), then withdraws the request.
    open_from_inbox(requester, request_id)
    act(requester, "devolver:6", "El logotipo está pixelado.")
    open_from_inbox(design, request_id)
    assert "El logotipo está pixelado." in observation(design)
    open_request(requester, request_id)
    withdraw_or_cancel(requester, "retirar", "El mantenimiento se suspendió.")
    assert status(requester) == "Retirada"
    assert server.state(request_id).status is Status.WITHDRAWN

    # A new request: the DE rejects it and the requester reads the reasons.
    rejected = register(requester, "3 · Publicación de información específica",
                        "Aviso e2e que se rechaza")
    open_from_inbox(de, rejected)
    act(de, "rechazar", "Ya se publicó un aviso igual la semana pasada.")
    open_request(requester, rejected)
    assert status(requester) == "Rechazada"
    assert "Ya se publicó un aviso igual la semana pasada." in observation(requester)


# -- links, sessions and layout -------------------------------------------------------------------


def mail_link(server: Server, to: str) -> str:
    """The «Abrir:» address of the newest mail to ``to`` that carries one."""
    mails = sorted(server.repository().snapshot().ledger.all(OutboxMail),
                   key=lambda m: m.created_at, reverse=True)
    for mail in mails:
        found = re.search(r"^Abrir: (\S+/solicitud\?id=SOL-\d{4}-\d{4})$", mail.body, re.M)
        if mail.to == to and found:
            return found.group(1)
    raise AssertionError(f"no mail with a link to {to}")


def test_a_link_from_a_mail_opens_the_request_after_the_log_in(
        server: Server, browser: Browser, shots: Path) -> None:
    requester = new_tab(browser, server.url)
    login(requester, "solicitante")
    request_id = register(requester, "3 · Publicación de información específica",
                          "Aviso e2e: enlace del correo")
    requester.context.close()
    link = mail_link(server, "directora@adsib.gob.bo")
    assert link == f"{server.url}/solicitud?id={request_id}"  # absolute (RRSS_PUBLIC_URL)

    page = new_tab(browser, link)
    settle(page)
    expect(page.get_by_text(f"Ingrese para abrir la solicitud {request_id}")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.get_by_label("Usuario").fill("directora")
    page.get_by_label("Contraseña").fill("demo-adsib")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name="Solicitud", exact=True).first).to_be_visible()
    settle(page)
    expect(widget(page, "request_pick").get_by_role("combobox")).to_have_value(
        re.compile(rf"^{request_id} · "))
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.url.endswith(f"/solicitud?id={request_id}")
    page.screenshot(path=shots / "enlace-del-correo.png")
    page.context.close()


def test_a_page_the_role_does_not_see_answers_in_spanish_not_page_not_found(
        server: Server, browser: Browser) -> None:
    page = new_tab(browser, f"{server.url}/usuarios")
    login_here = page.get_by_label("Usuario")
    login_here.fill("solicitante")
    page.get_by_label("Contraseña").fill("demo-adsib")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name="Sin acceso")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.context.close()


def test_a_reload_keeps_the_session_and_closing_it_ends_the_token(
        server: Server, browser: Browser) -> None:
    page = new_tab(browser, server.url)
    login(page, "jefe.nic")
    go_to(page, "Solicitud")
    token = next(c for c in page.context.cookies() if c["name"] == "rrss_sesion")
    assert token["sameSite"] == "Strict"

    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Solicitud", exact=True).first).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Elena Rojas")
    expect(page.get_by_role("button", name="Ingresar")).to_have_count(0)

    page.get_by_test_id("stSidebar").get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()
    settle(page)
    page.reload()
    settle(page)
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()

    # The token copied before «Cerrar sesión» no longer works, in any browser.
    other = browser.new_context(viewport=VIEWPORT, locale="es-BO")
    other.add_cookies([{"name": "rrss_sesion", "value": token["value"], "url": server.url}])
    stolen = other.new_page()
    stolen.goto(server.url)
    settle(stolen)
    expect(stolen.get_by_role("button", name="Ingresar")).to_be_visible()
    other.close()
    page.context.close()


def fits(page: Page) -> None:
    """Nothing wider than the window: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def inside(page: Page, locator: object, width: int) -> None:
    box = locator.bounding_box()  # type: ignore[attr-defined]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_bandeja_and_solicitud_show_who_acts_due_date_and_status_without_sideways_scrolling(
        server: Server, browser: Browser, shots: Path, size: dict[str, int]) -> None:
    context = browser.new_context(viewport=size, locale="es-BO")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(server.url)
    login(page, "jefe.nic")
    wait_idle(page)
    card = page.locator("[class*='st-key-pending_']").first
    for text in ("Debe actuar:", "Vence:"):
        inside(page, card.get_by_text(text), size["width"])
    fits(page)
    page.screenshot(path=shots / f"bandeja-{size['width']}.png", full_page=True)
    table = widget(page, "all_table")
    table.scroll_into_view_if_needed()
    wait_idle(page)
    table.screenshot(path=shots / f"bandeja-todas-{size['width']}.png")

    if size is PHONE:  # the sidebar, opened to change page, closes on its own
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
        page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name="Solicitud", exact=True).click()
        expect(page.get_by_role("heading", name="Solicitud", exact=True).first).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        settle(page)
    else:
        go_to(page, "Solicitud")
    wait_idle(page)
    # Opens on the person's own pending work, with who acts, due date and status in view.
    assert page.get_by_test_id("stMetric").count() == 3
    for label in ("Estado", "Vence"):
        inside(page, page.get_by_test_id("stMetric").filter(has_text=label), size["width"])
    inside(page, page.get_by_text("Debe actuar:").first, size["width"])
    assert "Jefatura de unidad solicitante (NIC)" in page.get_by_text(
        "Debe actuar:").first.locator("..").inner_text()
    fits(page)
    page.screenshot(path=shots / f"solicitud-{size['width']}.png", full_page=True)
    context.close()
