"""Developer metadata: key/value pairs attached to a spreadsheet, a sheet, a row or a column.

Metadata on a row stays with that row: rows inserted or deleted above it move it, sorting
carries it along with the row's cells, and deleting the row deletes it. That is what lets an
adapter find "the row of order 42" after a person sorted or inserted rows, so the stand-in
keeps these rules (and the lookup and DataFilter semantics) in one place.

Entries are stored in API shape plus a private ``project`` member (the creating project,
which alone sees PROJECT-visible metadata); ``public`` strips it for answers.
"""

from __future__ import annotations

import copy
from typing import Any

from .a1 import Bounds
from .errors import ApiError
from .model import JsonDict, Spreadsheet, bounds_of

LOCATION_TYPES = ("SPREADSHEET", "SHEET", "ROW", "COLUMN")


def public(meta: JsonDict) -> JsonDict:
    """A stored entry as Google returns it (sheetId 0 left out, as proto3 JSON does)."""
    out = {k: copy.deepcopy(v) for k, v in meta.items() if k != "project"}
    loc = out["location"]
    if loc.get("sheetId") == 0:
        loc.pop("sheetId")
    dim = loc.get("dimensionRange")
    if dim is not None and dim.get("sheetId") == 0:
        dim.pop("sheetId")
    return out


def location_type(meta: JsonDict) -> str:
    """SPREADSHEET, SHEET, ROW or COLUMN."""
    return str(meta["location"]["locationType"])


def sheet_of(meta: JsonDict) -> int | None:
    """The sheetId a SHEET/ROW/COLUMN entry belongs to (None for the spreadsheet)."""
    loc = meta["location"]
    if "dimensionRange" in loc:
        return int(loc["dimensionRange"].get("sheetId", 0))
    if loc["locationType"] == "SHEET":
        return int(loc.get("sheetId", 0))
    return None


def index_of(meta: JsonDict) -> int | None:
    """The row or column index of a ROW/COLUMN entry."""
    dim = meta["location"].get("dimensionRange")
    return None if dim is None else int(dim["startIndex"])


def visible(meta: JsonDict, project: str) -> bool:
    """PROJECT metadata is seen only by the project that created it."""
    return meta.get("visibility") != "PROJECT" or meta.get("project") == project


# ------------------------------------------------------------------------------ creating


def normalize_location(ss: Spreadsheet, loc: JsonDict) -> JsonDict:
    """Validate a DeveloperMetadataLocation and store it with its locationType.

    Exactly one of spreadsheet / sheetId / dimensionRange; a dimensionRange is one whole
    row or column inside the grid, as the discovery document requires.
    """
    given = [k for k in ("spreadsheet", "sheetId", "dimensionRange") if k in loc]
    if len(given) != 1 or (given == ["spreadsheet"] and not loc["spreadsheet"]):
        raise ApiError.invalid("Developer metadata must have exactly one location specified.")
    if given == ["spreadsheet"]:
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if given == ["sheetId"]:
        sheet_id = int(loc["sheetId"])
        if ss.sheet_by_id(sheet_id) is None:
            raise ApiError.invalid(f"No grid with id: {sheet_id}")
        return {"locationType": "SHEET", "sheetId": sheet_id}
    dim = loc["dimensionRange"]
    sheet_id = int(dim.get("sheetId", 0))
    sheet = ss.sheet_by_id(sheet_id)
    if sheet is None:
        raise ApiError.invalid(f"No grid with id: {sheet_id}")
    kind = dim.get("dimension")
    start, end = dim.get("startIndex"), dim.get("endIndex")
    size = sheet.row_count if kind == "ROWS" else sheet.col_count
    if kind not in ("ROWS", "COLUMNS") or start is None or end != start + 1 or start >= size:
        raise ApiError.invalid(
            "Developer metadata may only be associated with a single, bounded row or column."
        )
    return {
        "locationType": "ROW" if kind == "ROWS" else "COLUMN",
        "dimensionRange": {
            "sheetId": sheet_id,
            "dimension": kind,
            "startIndex": start,
            "endIndex": end,
        },
    }


def create(ss: Spreadsheet, given: JsonDict, project: str, new_id: int) -> JsonDict:
    """Store a DeveloperMetadata (key and visibility required, id unique) and return it."""
    if not given.get("metadataKey"):
        raise ApiError.invalid("Developer metadata must always have a key specified.")
    if given.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise ApiError.invalid("Developer metadata must always have a visibility specified.")
    meta_id = given.get("metadataId", new_id)
    if meta_id <= 0:
        raise ApiError.invalid("Developer metadata IDs must be positive.")
    if any(m["metadataId"] == meta_id for m in ss.developer_metadata):
        raise ApiError.invalid(f"Developer metadata with ID {meta_id} already exists.")
    stored: JsonDict = {
        "metadataId": meta_id,
        "metadataKey": given["metadataKey"],
        **({"metadataValue": given["metadataValue"]} if "metadataValue" in given else {}),
        "location": normalize_location(ss, given.get("location") or {}),
        "visibility": given["visibility"],
        "project": project,
    }
    ss.developer_metadata.append(stored)
    return stored


# ------------------------------------------------------------------------------ moving


def shift(ss: Spreadsheet, sheet_id: int, dim: str, start: int, delta: int) -> None:
    """Rows/columns inserted (delta > 0) or deleted (delta < 0) at ``start``: entries below
    move, entries on deleted rows are deleted."""
    kind = "ROW" if dim == "ROWS" else "COLUMN"
    end = start - delta if delta < 0 else start
    kept = []
    for meta in ss.developer_metadata:
        index = index_of(meta)
        if location_type(meta) != kind or sheet_of(meta) != sheet_id or index is None:
            kept.append(meta)
            continue
        if delta < 0 and start <= index < end:
            continue
        if index >= end:
            rng = meta["location"]["dimensionRange"]
            rng["startIndex"], rng["endIndex"] = index + delta, index + delta + 1
        kept.append(meta)
    ss.developer_metadata = kept


def follow_sort(ss: Spreadsheet, sheet_id: int, rows: list[int], order: list[int]) -> None:
    """A sort put old row ``order[k]`` at ``rows[k]``: ROW entries go with their row."""
    moved_to = dict(zip(order, rows, strict=True))
    for meta in ss.developer_metadata:
        index = index_of(meta)
        if location_type(meta) == "ROW" and sheet_of(meta) == sheet_id and index in moved_to:
            rng = meta["location"]["dimensionRange"]
            rng["startIndex"] = moved_to[index]
            rng["endIndex"] = moved_to[index] + 1


def drop_sheet(ss: Spreadsheet, sheet_id: int) -> None:
    """A deleted sheet takes its metadata (sheet, rows and columns) with it."""
    ss.developer_metadata = [m for m in ss.developer_metadata if sheet_of(m) != sheet_id]


# ------------------------------------------------------------------------------ finding


def _same_location(meta: JsonDict, loc: JsonDict) -> bool:
    mine = meta["location"]
    if loc["locationType"] != mine["locationType"]:
        return False
    if loc["locationType"] == "SHEET":
        return bool(loc["sheetId"] == mine["sheetId"])
    if "dimensionRange" in loc:
        return bool(loc["dimensionRange"] == mine["dimensionRange"])
    return True


def _intersects(meta: JsonDict, loc: JsonDict) -> bool:
    """INTERSECTING_LOCATION: a row meets its sheet and every column of that sheet (and a
    column likewise); a sheet meets everything on it; the spreadsheet meets only itself."""
    kind, mine = loc["locationType"], location_type(meta)
    if kind == "SPREADSHEET" or mine == "SPREADSHEET":
        return kind == mine
    sheet_id = loc["sheetId"] if kind == "SHEET" else loc["dimensionRange"]["sheetId"]
    if sheet_of(meta) != sheet_id:
        return False
    if kind == mine and kind in ("ROW", "COLUMN"):
        return index_of(meta) == loc["dimensionRange"]["startIndex"]
    return True


def matches_lookup(ss: Spreadsheet, meta: JsonDict, lookup: JsonDict) -> bool:
    """Whether ``meta`` satisfies every field the DeveloperMetadataLookup sets."""
    for key in ("metadataId", "metadataKey", "metadataValue", "visibility"):
        if key in lookup and meta.get(key) != lookup[key]:
            return False
    if "locationType" in lookup and location_type(meta) != lookup["locationType"]:
        return False
    strategy = lookup.get("locationMatchingStrategy")
    if "metadataLocation" not in lookup:
        if strategy:
            raise ApiError.invalid(
                "A metadataLocation must be specified with a locationMatchingStrategy."
            )
        return True
    loc = normalize_location(ss, lookup["metadataLocation"])
    if strategy == "EXACT_LOCATION":
        return _same_location(meta, loc)
    return _intersects(meta, loc)


def _in_range(meta: JsonDict, sheet_id: int, b: Bounds) -> bool:
    assert b.end_row is not None and b.end_col is not None
    if sheet_of(meta) != sheet_id:
        return False
    index = index_of(meta)
    if location_type(meta) == "ROW":
        return b.start_row <= index < b.end_row  # type: ignore[operator]
    if location_type(meta) == "COLUMN":
        return b.start_col <= index < b.end_col  # type: ignore[operator]
    return True


def filter_range(ss: Spreadsheet, data_filter: JsonDict) -> tuple[int, Bounds] | None:
    """The (sheetId, clamped bounds) an a1Range / gridRange DataFilter names, if it does."""
    if "a1Range" in data_filter:
        sheet, b = ss.resolve_read(data_filter["a1Range"])
        return sheet.id, b
    if "gridRange" in data_filter:
        gr = data_filter["gridRange"]
        sheet = ss.sheet_by_id(int(gr.get("sheetId", 0)))
        if sheet is None:
            raise ApiError.invalid(f"No grid with id: {gr.get('sheetId', 0)}")
        return sheet.id, bounds_of(gr).clamp(sheet.row_count, sheet.col_count)
    return None


def check_filter(data_filter: JsonDict) -> None:
    """A DataFilter sets exactly one of a1Range, gridRange, developerMetadataLookup."""
    if (
        len([k for k in ("a1Range", "gridRange", "developerMetadataLookup") if k in data_filter])
        != 1
    ):
        raise ApiError.invalid("A data filter must have exactly one criterion set.")


def search(ss: Spreadsheet, data_filter: JsonDict, project: str) -> list[JsonDict]:
    """Stored entries a DataFilter selects, in the spreadsheet's order."""
    check_filter(data_filter)
    candidates = [m for m in ss.developer_metadata if visible(m, project)]
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is not None:
        return [m for m in candidates if matches_lookup(ss, m, lookup)]
    found = filter_range(ss, data_filter)
    assert found is not None
    return [m for m in candidates if _in_range(m, *found)]


def location_bounds(ss: Spreadsheet, meta: JsonDict) -> tuple[Any, Bounds] | None:
    """The cells a metadata location covers (a whole row, column or sheet), clamped."""
    sheet_id = sheet_of(meta)
    sheet = None if sheet_id is None else ss.sheet_by_id(sheet_id)
    if sheet is None:
        return None
    index = index_of(meta)
    if location_type(meta) == "ROW":
        assert index is not None
        return sheet, Bounds(index, 0, index + 1, sheet.col_count)
    if location_type(meta) == "COLUMN":
        assert index is not None
        return sheet, Bounds(0, index, sheet.row_count, index + 1)
    return sheet, Bounds(0, 0, sheet.row_count, sheet.col_count)


def filter_areas(ss: Spreadsheet, data_filter: JsonDict, project: str) -> list[tuple[Any, Bounds]]:
    """The (sheet, bounds) rectangles a DataFilter selects for reading or writing values."""
    check_filter(data_filter)
    found = filter_range(ss, data_filter)
    if found is not None:
        sheet = ss.sheet_by_id(found[0])
        return [(sheet, found[1])]
    areas: dict[tuple[int, Bounds], tuple[Any, Bounds]] = {}
    for meta in search(ss, data_filter, project):
        area = location_bounds(ss, meta)
        if area is not None:
            areas.setdefault((area[0].id, area[1]), area)
    return list(areas.values())
