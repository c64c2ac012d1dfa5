"""A1 grammar and Google's range formatting (unit level and through values.get)."""

from __future__ import annotations

import pytest
import requests
from standin_helpers import BASE
from support.standin import (
    Bounds,
    format_range,
    index_to_col,
    parse_cells,
    parse_range,
    quote_sheet_name,
)
from support.standin.a1 import A1Error, col_to_index


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_round_trip(index: int, letters: str) -> None:
    assert index_to_col(index) == letters
    assert col_to_index(letters) == index
    assert col_to_index(letters.lower()) == index


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("A1", Bounds(0, 0, 1, 1)),
        ("B2:C5", Bounds(1, 1, 5, 3)),
        ("D4:A1", Bounds(0, 0, 4, 4)),  # reversed corners are normalised
        ("$A$1:$B$2", Bounds(0, 0, 2, 2)),
        ("A:A", Bounds(0, 0, None, 1)),
        ("B:D", Bounds(0, 1, None, 4)),
        ("1:3", Bounds(0, 0, 3, None)),
        ("A2:C", Bounds(1, 0, None, 3)),
        ("A1:1", Bounds(0, 0, 1, None)),
    ],
)
def test_parse_cells(text: str, bounds: Bounds) -> None:
    assert parse_cells(text) == bounds


@pytest.mark.parametrize("text", ["", "Sheet1", "A", "A0", "A1:B2:C3", "1A", "NamedRange"])
def test_parse_cells_rejects_non_a1(text: str) -> None:
    assert parse_cells(text) is None


def test_parse_range_quoting() -> None:
    p = parse_range("'It''s here'!A1:B2")
    assert (p.sheet, p.cells, p.bounds) == ("It's here", "A1:B2", Bounds(0, 0, 2, 2))
    whole = parse_range("'My sheet'")
    assert (whole.sheet, whole.cells) == ("My sheet", None)
    bare = parse_range("Sheet1!C3")
    assert (bare.sheet, bare.bounds) == ("Sheet1", Bounds(2, 2, 3, 3))
    emoji = parse_range("🌵 test 1!A:A")  # Google accepts unquoted spaces / non-ASCII
    assert emoji.sheet == "🌵 test 1"
    no_sheet = parse_range("A1:B2")
    assert (no_sheet.sheet, no_sheet.bounds) == (None, Bounds(0, 0, 2, 2))


@pytest.mark.parametrize("text", ["'unterminated!A1", "'x'A1", "'x'!", "Items & Stock!A1", "!A1"])
def test_parse_range_errors(text: str) -> None:
    with pytest.raises(A1Error):
        parse_range(text)


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Sheet1", "Sheet1"),
        ("finances", "finances"),
        ("My sheet", "'My sheet'"),
        ("D3", "'D3'"),  # looks like a cell
        ("R1C1", "'R1C1'"),
        ("I'm here", "'I''m here'"),
        ("2024", "'2024'"),
        ("🌵 x", "'🌵 x'"),
    ],
)
def test_quote_sheet_name(title: str, quoted: str) -> None:
    assert quote_sheet_name(title) == quoted


def test_format_range() -> None:
    assert format_range("Sheet1", Bounds(0, 0, 1, 1)) == "Sheet1!A1"
    assert format_range("Sheet1", Bounds(0, 0, 1000, 26)) == "Sheet1!A1:Z1000"
    assert format_range("a b", Bounds(1000, 0, None, 2)) == "'a b'!A1001:B"


@pytest.mark.parametrize(
    ("requested", "returned"),
    [
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("'Sheet1'", "Sheet1!A1:Z1000"),
        ("sheet1!A1", "Sheet1!A1"),  # sheet names match case-insensitively
        ("Sheet1!A:A", "Sheet1!A1:A1000"),
        ("Sheet1!1:3", "Sheet1!A1:Z3"),
        ("Sheet1!B2:C", "Sheet1!B2:C1000"),
        ("Sheet1!A1:A1", "Sheet1!A1"),
        ("Sheet1!D4:A1", "Sheet1!A1:D4"),
        ("Sheet1!A1:AZ5", "Sheet1!A1:Z5"),  # reads are clamped to the grid
        ("B2", "Sheet1!B2"),  # no sheet: the first sheet
    ],
)
def test_values_get_ranges(
    session: requests.Session, sid: str, requested: str, returned: str
) -> None:
    r = session.get(f"{BASE}/{sid}/values/{requests.utils.quote(requested, safe='')}")
    assert r.status_code == 200, r.text
    assert r.json() == {"range": returned, "majorDimension": "ROWS"}


def test_named_range_and_quoted_titles(server, session: requests.Session) -> None:
    sid = server.create_spreadsheet("T", ["Sheet1", {"title": "It's", "values": [["x", "y"]]}])
    r = session.get(f"{BASE}/{sid}/values/'It''s'!A1:B1")
    assert r.json()["range"] == "'It''s'!A1:B1"
    assert r.json()["values"] == [["x", "y"]]


@pytest.mark.parametrize("bad", ["Nope!A1", "'Nope'", "Sheet1!A1:B2:C3", "Nope"])
def test_unknown_sheet_or_garbage_is_unable_to_parse(
    session: requests.Session, sid: str, bad: str
) -> None:
    r = session.get(f"{BASE}/{sid}/values/{requests.utils.quote(bad, safe='')}")
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "code": 400,
            "message": f"Unable to parse range: {bad}",
            "status": "INVALID_ARGUMENT",
        }
    }


def test_range_outside_grid(session: requests.Session, sid: str) -> None:
    r = session.get(f"{BASE}/{sid}/values/Sheet1!A1001")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    )


def test_unknown_spreadsheet_is_404(session: requests.Session) -> None:
    r = session.get(f"{BASE}/doesnotexist?includeGridData=false")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
