"""The promotion calendar in a real browser: the professional drags an item to another
working day and sees it there (and in the ledger); dropped on a weekend it is refused with
the reason and goes back to its day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from e2e_helpers import (
    Browser,
    FrameLocator,
    Page,
    Server,
    expect,
    login,
    needs_browser,
    new_tab,
    settle,
    wait_idle,
)

from core.domain.models import PlanItem
from core.services import plan
from wiring import Settings, calendar_for, local_now

pytestmark = [pytest.mark.e2e, needs_browser]
CALENDAR = "iframe[title='streamlit_calendar.calendar']"


def open_plan(page: Page) -> FrameLocator:
    page.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Plan de promoción", exact=True).click()
    expect(page.get_by_role("heading", name="Plan de Promoción de Servicios")).to_be_visible()
    wait_idle(page)
    frame = page.frame_locator(CALENDAR)
    expect(frame.locator(".fc-daygrid-event").first).to_be_visible()
    page.locator(CALENDAR).scroll_into_view_if_needed()
    return frame


def show_month_of(frame: FrameLocator, day: date) -> None:
    """Page the calendar forward until ``day``'s cell is on screen."""
    for _ in range(3):
        if frame.locator(f"td.fc-daygrid-day[data-date='{day.isoformat()}']").count():
            return
        frame.get_by_role("button", name="Siguiente").click()


def drag(page: Page, frame: FrameLocator, item: PlanItem, day: date) -> None:
    """Press on the item, move the mouse to ``day``'s cell, release (as a person drags)."""
    show_month_of(frame, day)
    source = frame.locator(".fc-daygrid-event", has_text=item.service).first.bounding_box()
    target = frame.locator(f"td.fc-daygrid-day[data-date='{day.isoformat()}']").bounding_box()
    assert source is not None and target is not None
    page.mouse.move(source["x"] + 10, source["y"] + 5)
    page.mouse.down()
    page.mouse.move(source["x"] + 20, source["y"] + 10, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2,
                    steps=15)
    page.mouse.up()
    page.wait_for_timeout(500)
    settle(page)


def stored(server: Server, item_id: str) -> PlanItem:
    return plan.find_item(server.repository().snapshot().ledger, item_id)


def test_the_professional_drags_an_item_to_another_day_and_a_weekend_is_refused(
        server: Server, browser: Browser, screenshot: Callable[[Page, str], Path]) -> None:
    page = new_tab(browser, server.url)  # the first page view writes the demo workbook
    login(page, "profesional")
    ledger = server.repository().snapshot().ledger
    item = next(i for i in plan.plan_items(ledger) if i.service == "Portal de trámites")
    calendar = calendar_for(Settings(server.workbook, "L", {}))
    today = local_now().date()  # the server's day (La Paz)
    # Another working day of the item's own week (so both are on screen), not a past one.
    week = [item.start + timedelta(days=n) for n in range(-4, 5) if n]
    day = next(d for d in sorted(week, key=lambda d: abs((d - item.start).days))
               if d.isocalendar()[:2] == item.start.isocalendar()[:2]
               and calendar.is_working_day(d) and d >= today)
    frame = open_plan(page)
    show_month_of(frame, item.start)

    drag(page, frame, item, day)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"Ítem {item.item_id} movido al {day:%d/%m/%Y}.")
    assert stored(server, item.item_id).start == day
    frame = open_plan(page)
    show_month_of(frame, day)
    expect(frame.locator(f"td.fc-daygrid-day[data-date='{day.isoformat()}']")).to_contain_text(
        item.service)
    screenshot(page, "plan-calendario-movido")

    saturday = day + timedelta(days=(5 - day.weekday()) % 7 or 7)
    drag(page, frame, item, saturday)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        f"No se movió: el sábado {saturday:%d/%m/%Y} no es día hábil (fin de semana).")
    assert stored(server, item.item_id).start == day
    page.locator(CALENDAR).scroll_into_view_if_needed()
    show_month_of(frame, day)
    expect(frame.locator(f"td.fc-daygrid-day[data-date='{saturday.isoformat()}']")) \
        .not_to_contain_text(item.service)
    expect(frame.locator(f"td.fc-daygrid-day[data-date='{day.isoformat()}']")).to_contain_text(
        item.service)
    screenshot(page, "plan-calendario-rechazo")
    page.context.close()
