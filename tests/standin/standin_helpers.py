"""Shared constants/helpers for the stand-in's tests."""

from __future__ import annotations

from typing import Any

import requests

BASE = "https://sheets.googleapis.com/v4/spreadsheets"


def q(text: str) -> str:
    """Percent-encode a range for a URL path, as gspread does."""
    return requests.utils.quote(text, safe="")


def append(
    session: requests.Session, sid: str, rng: str, values: list[list[Any]], **params: str
) -> requests.Response:
    """POST values:append with RAW input unless told otherwise."""
    params.setdefault("valueInputOption", "RAW")
    return session.post(
        f"{BASE}/{sid}/values/{q(rng)}:append", params=params, json={"values": values}
    )


def batch_update(
    session: requests.Session, sid: str, *requests_: dict[str, Any]
) -> requests.Response:
    """POST spreadsheets.batchUpdate with the given request objects."""
    return session.post(f"{BASE}/{sid}:batchUpdate", json={"requests": list(requests_)})
