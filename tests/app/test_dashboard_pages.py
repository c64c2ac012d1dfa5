"""The deadline dashboard, the days-off page and the Informe Técnico through AppTest on the
demo workbook: every role that may see them gets them, the filters change the figures, the
exports are offered, and a day off recorded in the app moves the deadlines on the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from support.fixed import TEST_ENV

from core.domain.ports import Repository
from core.domain.workdays import WorkCalendar
from sheets_schema.demo import USERS
from tests.app.user_session import UserSession
from ui.navigation import may_see
from wiring import Settings, create_workbook, local_now


def users_for(page: str) -> list[str]:
    return [name for name, _, roles, _ in USERS if may_see(page, roles)]


def table(session: UserSession, *columns: str) -> pd.DataFrame:
    """The first table on the page with ``columns`` (AppTest does not keep table keys)."""
    frames = [d.value for d in session.at.dataframe if set(columns) <= set(d.value.columns)]
    assert frames, f"no table with the columns {columns}"
    return frames[0]


def download_keys(session: UserSession) -> set[str]:
    return {b.key for b in session.at.download_button if b.key}


@pytest.fixture
def fresh_repo(tmp_path: Path) -> Iterator[Repository]:
    """A demo workbook of its own, for a test that writes."""
    yield create_workbook(Settings(tmp_path / "own.xlsx", "L", TEST_ENV), demo=True)


# -- the deadline dashboard ------------------------------------------------------------------


@pytest.mark.parametrize("username", users_for("tablero"))
def test_the_dashboard_renders_with_figures_chart_and_exports_for_each_role_that_may_see_it(
        demo_repo: Repository, username: str) -> None:
    session = UserSession(username, demo_repo)
    session.page("tablero")
    assert session.at.title[0].value == "Tablero de plazos"
    assert int(session.metric("En curso")) > 0
    assert int(session.metric("Vencidas")) > 0  # the demo has late requests
    overdue = table(session, "Días hábiles de atraso")
    assert len(overdue) == int(session.metric("Vencidas"))
    assert {"Debe actuar", "Vence"} <= set(overdue.columns)
    assert "Renovación de dominios .bo con descuento" in set(overdue["Título"])
    assert {"dash_overdue_xlsx", "dash_overdue_csv", "dash_stages_xlsx", "dash_stages_csv",
            "dash_por_unidad_xlsx", "dash_por_unidad_csv", "dash_bottleneck_xlsx",
            "dash_bottleneck_csv"} <= download_keys(session)
    assert len(session.at.get("vega_lite_chart")) == 1


def test_the_unit_and_type_filters_change_the_counts(demo_repo: Repository) -> None:
    session = UserSession("directora", demo_repo)
    session.page("tablero")
    everyone = int(session.metric("En curso"))
    by_unit = table(session, "Unidad", "En curso").set_index("Unidad")["En curso"]
    session.at.multiselect(key="dash_units").select("NIC")
    session.run()
    assert int(session.metric("En curso")) == by_unit["NIC"] < everyone
    assert set(table(session, "Días hábiles de atraso")["Unidad"]) <= {"NIC"}
    session.at.multiselect(key="dash_units").unselect("NIC")
    session.at.multiselect(key="dash_types").select(2)
    session.run()
    assert int(session.metric("En curso")) < everyone
    stages = table(session, "Cumplimiento")
    assert set(stages["Procedimiento"]) == {"2 · Publicación de imágenes con diseño"}


def test_a_period_without_activity_has_no_compliance_but_keeps_today_s_counts(
        demo_repo: Repository) -> None:
    session = UserSession("jefe.ugs", demo_repo)
    session.page("tablero")
    overdue = session.metric("Vencidas")
    assert session.metric("Cumplimiento de plazos").endswith("%")
    session.at.date_input(key="dash_from").set_value(date(2020, 1, 1))
    session.at.date_input(key="dash_to").set_value(date(2020, 12, 31))
    session.run()
    assert session.metric("Cumplimiento de plazos") == "—"
    assert session.metric("Vencidas") == overdue


def test_a_period_that_runs_backwards_is_refused(demo_repo: Repository) -> None:
    session = UserSession("comite", demo_repo)
    session.page("tablero")
    session.at.date_input(key="dash_from").set_value(date(2026, 3, 1))
    session.at.date_input(key="dash_to").set_value(date(2026, 2, 1))
    session.run()
    assert any("«desde» es posterior" in e for e in session.errors())
    assert not session.at.download_button


# -- institutional days off ------------------------------------------------------------------


@pytest.mark.parametrize("username", users_for("dias_no_laborables"))
def test_the_days_off_page_lists_the_year_s_holidays_and_offers_the_form(
        demo_repo: Repository, username: str) -> None:
    session = UserSession(username, demo_repo)
    session.page("dias_no_laborables")
    assert session.at.title[0].value == "Días no laborables"
    days = table(session, "Motivo")
    year = local_now().year
    assert f"06/08/{year}" in set(days["Fecha"])  # Independence Day, every year
    assert f"16/07/{year}" in set(days["Fecha"])  # La Paz's departmental holiday
    assert any(b.label == "Registrar día no laborable" for b in session.at.button)


def test_a_day_off_recorded_in_the_app_shortens_the_delay_shown_on_the_dashboard(
        fresh_repo: Repository) -> None:
    title = "Renovación de dominios .bo con descuento"
    session = UserSession("directora", fresh_repo)
    session.page("tablero")
    before = table(session, "Días hábiles de atraso").set_index("Título").loc[title]
    due = datetime.strptime(before["Vence"], "%d/%m/%Y").date()  # shown as dd/mm/aaaa
    assert before["Días hábiles de atraso"] >= 1
    # The first working day after the due date (it counts in the delay today).
    plain = WorkCalendar.for_bolivia()
    day_off = plain.due_date(due, 1)

    session.page("dias_no_laborables")
    if session.at.selectbox(key="days_year").value != day_off.year:
        session.at.selectbox(key="days_year").select(day_off.year)
        session.run()
    session.at.date_input(key="dayoff_date").set_value(day_off)
    session.at.text_input(key="dayoff_description").input("Aniversario de la ADSIB")
    session.button("Registrar día no laborable").click()
    session.run()
    assert any("no cuenta como día hábil" in s for s in session.successes())
    days = table(session, "Motivo").set_index("Fecha")
    day_off_shown = f"{day_off:%d/%m/%Y}"  # as the page writes it
    assert days.loc[day_off_shown, "Motivo"] == "Aniversario de la ADSIB"
    assert days.loc[day_off_shown, "Origen"] == "Institucional (ADSIB)"
    assert days.loc[day_off_shown, "Cuenta como día hábil"] == "no"

    session.page("tablero")
    after = table(session, "Días hábiles de atraso").set_index("Título").loc[title]
    assert after["Días hábiles de atraso"] == before["Días hábiles de atraso"] - 1

    session.page("dias_no_laborables")
    session.at.date_input(key="dayoff_date").set_value(day_off)
    session.button("Registrar día no laborable").click()
    session.run()
    assert any("ya está registrado" in e for e in session.errors())


def test_a_weekend_is_refused_as_a_day_off(fresh_repo: Repository) -> None:
    session = UserSession("admin", fresh_repo)
    session.page("dias_no_laborables")
    today = local_now().date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    session.at.date_input(key="dayoff_date").set_value(saturday)
    session.button("Registrar día no laborable").click()
    session.run()
    assert any("fin de semana" in e for e in session.errors())


# -- the Informe Técnico ---------------------------------------------------------------------


@pytest.mark.parametrize("username", users_for("informe"))
def test_the_report_page_previews_the_figures_and_offers_the_document(
        demo_repo: Repository, username: str) -> None:
    session = UserSession(username, demo_repo)
    session.page("informe")
    assert session.at.title[0].value == "Informe técnico"
    assert int(session.metric("Publicaciones")) >= 3  # the demo's direct publications
    [button] = session.at.download_button
    assert button.label == "Descargar Informe Técnico (DOCX)"
    channels = set(table(session, "Canal")["Canal"])
    assert {"Facebook", "YouTube"} <= channels


def test_the_report_follows_the_period_and_the_kind_of_document(
        demo_repo: Repository) -> None:
    session = UserSession("profesional", demo_repo)
    session.page("informe")
    session.at.radio(key="report_kind").set_value(session.at.radio(key="report_kind")
                                                  .options[1])
    session.at.date_input(key="report_from").set_value(date(2020, 1, 1))
    session.at.date_input(key="report_to").set_value(date(2020, 1, 31))
    session.run()
    assert session.metric("Publicaciones") == "0"
    assert session.metric("Cumplimiento de plazos") == "—"
    assert session.at.download_button[0].label == "Descargar Nota Interna (DOCX)"


def test_the_report_counts_each_publication_once_and_its_channels_apart(
        demo_repo: Repository) -> None:
    session = UserSession("profesional", demo_repo)
    session.page("informe")
    distinct, per_channel = (int(session.metric("Publicaciones")),
                             int(session.metric("Publicaciones por canal")))
    # The demo's published request went to Facebook and Instagram: one publication, two lines.
    assert per_channel == distinct + 1
    assert table(session, "Tipo de publicación")["Publicaciones"].sum() == distinct
    assert table(session, "Publicaciones en el canal")["Publicaciones en el canal"].sum() == \
        per_channel
    # Every demo publication records its channel: no note says otherwise.
    assert not any("no tienen el canal" in c.value for c in session.at.caption)
