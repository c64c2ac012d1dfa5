"""The spreadsheet's locale decides how FORMATTED_VALUE shows numbers, booleans and dates and
how USER_ENTERED text is read; UNFORMATTED_VALUE and FORMULA do not change."""

from __future__ import annotations

import datetime as dt

import pytest
from standin_helpers import BASE, batch_update
from support.standin.cellvalues import format_number, parse_user_entered
from support.standin.locales import rules_for
from support.standin.model import formatted

FEB_5_2027 = (dt.date(2027, 2, 5) - dt.date(1899, 12, 30)).days
MAY_2_2027 = (dt.date(2027, 5, 2) - dt.date(1899, 12, 30)).days


# --------------------------------------------------------------- pure rendering and parsing


@pytest.mark.parametrize(
    ("value", "number_format", "locale", "shown"),
    [
        (1234.5, None, "es_BO", "1234,5"),
        (1234.5, None, "en_US", "1234.5"),
        (1234.5, {"type": "NUMBER", "pattern": "#,##0.00"}, "es_BO", "1.234,50"),
        (1234.5, {"type": "NUMBER", "pattern": "#,##0.00"}, "en_US", "1,234.50"),
        (0.125, {"type": "PERCENT", "pattern": "0.0%"}, "es_BO", "12,5%"),
        (-0.5, None, "es_BO", "-0,5"),
        (1234.5, None, "es_MX", "1234.5"),
        (FEB_5_2027, {"type": "DATE", "pattern": "dd/mm/yyyy"}, "es_BO", "05/02/2027"),
        (FEB_5_2027, {"type": "DATE", "pattern": "d mmm yyyy"}, "es_BO", "5 feb 2027"),
        (FEB_5_2027, {"type": "DATE", "pattern": "mmmm d"}, "es_BO", "febrero 5"),
        (FEB_5_2027, {"type": "DATE", "pattern": "mmmm d"}, "en_US", "February 5"),
        (
            FEB_5_2027 + 0.5,
            {"type": "DATE_TIME", "pattern": "d/m/yyyy h:mm"},
            "es_BO",
            "5/2/2027 12:00",
        ),
    ],
)
def test_numbers_and_dates_render_in_the_locale(value, number_format, locale, shown) -> None:
    assert format_number(value, number_format, locale) == shown


def test_booleans_render_in_the_locale() -> None:
    assert formatted(True, None, "es_BO") == "VERDADERO"
    assert formatted(False, None, "es_BO") == "FALSO"
    assert formatted(True, None, "en_US") == "TRUE"
    assert formatted(True, None, "pt_BR") == "VERDADEIRO"


@pytest.mark.parametrize(
    ("typed", "locale", "stored"),
    [
        ("1234,5", "es_BO", ({"numberValue": 1234.5}, None)),
        ("1.234,5", "es_BO", ({"numberValue": 1234.5}, {"type": "NUMBER", "pattern": "#,##0.0"})),
        ("1234.5", "es_BO", ({"stringValue": "1234.5"}, None)),
        ("12,5%", "es_BO", ({"numberValue": 0.125}, {"type": "PERCENT", "pattern": "0.0%"})),
        ("VERDADERO", "es_BO", ({"boolValue": True}, None)),
        ("falso", "es_BO", ({"boolValue": False}, None)),
        ("TRUE", "es_BO", ({"stringValue": "TRUE"}, None)),
        (
            "05/02/2027",
            "es_BO",
            ({"numberValue": FEB_5_2027}, {"type": "DATE", "pattern": "d/m/yyyy"}),
        ),
        (
            "5/2/2027",
            "en_US",
            ({"numberValue": MAY_2_2027}, {"type": "DATE", "pattern": "m/d/yyyy"}),
        ),
        (
            "2027-02-05",
            "es_BO",
            ({"numberValue": FEB_5_2027}, {"type": "DATE", "pattern": "yyyy-mm-dd"}),
        ),
        ("31/12/2027", "en_US", ({"stringValue": "31/12/2027"}, None)),
        ("1234.5", "en_US", ({"numberValue": 1234.5}, None)),
        ("TRUE", "en_US", ({"boolValue": True}, None)),
    ],
)
def test_typed_text_is_read_in_the_locale(typed, locale, stored) -> None:
    assert parse_user_entered(typed, locale) == stored


def test_locale_families() -> None:
    assert (rules_for("es_BO").decimal, rules_for("es_BO").group) == (",", ".")
    assert rules_for("es_MX").decimal == "."
    assert rules_for("en_GB").day_first and not rules_for("en_US").day_first
    assert rules_for("xx_YY") == rules_for("en_US")


# --------------------------------------------------------------- through the API


def _values(session, sid: str, **params: str) -> list:
    r = session.get(f"{BASE}/{sid}/values/Sheet1!A1:C2", params=params)
    assert r.status_code == 200, r.text
    return r.json()["values"]


@pytest.fixture
def es_bo(session) -> str:
    r = session.post(BASE, json={"properties": {"title": "Libro", "locale": "es_BO"}})
    assert r.status_code == 200, r.text
    sid = r.json()["spreadsheetId"]
    put = session.put(
        f"{BASE}/{sid}/values/Sheet1!A1:C2",
        params={"valueInputOption": "USER_ENTERED"},
        json={"values": [["1234,5", "VERDADERO", "05/02/2027"], [1234.5, True, "=A1*2"]]},
    )
    assert put.status_code == 200, put.text
    return sid


def test_formatted_value_follows_the_locale(session, es_bo: str) -> None:
    assert _values(session, es_bo) == [
        ["1234,5", "VERDADERO", "5/2/2027"],
        ["1234,5", "VERDADERO", "2469"],
    ]


def test_unformatted_and_formula_do_not(session, es_bo: str) -> None:
    assert _values(session, es_bo, valueRenderOption="UNFORMATTED_VALUE") == [
        [1234.5, True, FEB_5_2027],
        [1234.5, True, 2469],
    ]
    assert _values(
        session,
        es_bo,
        valueRenderOption="UNFORMATTED_VALUE",
        dateTimeRenderOption="FORMATTED_STRING",
    )[0] == [1234.5, True, "5/2/2027"]
    assert _values(session, es_bo, valueRenderOption="FORMULA")[1] == [1234.5, True, "=A1*2"]


def test_changing_the_locale_changes_what_is_shown(session, sid: str, server) -> None:
    server.set_values(sid, "Sheet1", [["1234.5", "TRUE"]])
    assert server.values(sid, "Sheet1") == [["1234.5", "TRUE"]]
    r = batch_update(
        session,
        sid,
        {"updateSpreadsheetProperties": {"properties": {"locale": "es_BO"}, "fields": "locale"}},
    )
    assert r.status_code == 200
    assert server.values(sid, "Sheet1") == [["1234,5", "VERDADERO"]]
    got = session.get(
        f"{BASE}/{sid}",
        params={"ranges": "Sheet1!A1", "fields": "sheets.data.rowData.values.formattedValue"},
    )
    assert got.json()["sheets"][0]["data"][0]["rowData"][0]["values"][0] == {
        "formattedValue": "1234,5"
    }


def test_a_person_types_in_the_spreadsheets_locale(server) -> None:
    sid = server.create_spreadsheet(
        "Libro",
        [{"title": "S", "values": [["fecha", "monto"], ["05/02/2027", "10,5"]]}],
        locale="es_BO",
    )
    server.set_values(sid, "S", [["06/02/2027", "1.200"]], "A3")
    assert server.values(sid, "S", value_render="UNFORMATTED_VALUE") == [
        ["fecha", "monto"],
        [FEB_5_2027, 10.5],
        [FEB_5_2027 + 1, 1200],
    ]
    assert server.values(sid, "S")[1:] == [["5/2/2027", "10,5"], ["6/2/2027", "1.200"]]
