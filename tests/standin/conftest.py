"""Fixtures for the stand-in's own tests: a fresh server, a session and a gspread client."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from support.standin import FakeSheetsServer, make_gspread_client, make_session

BASE = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def server() -> FakeSheetsServer:
    """An empty stand-in with a fixed random seed."""
    return FakeSheetsServer(seed=7)


@pytest.fixture
def sid(server: FakeSheetsServer) -> str:
    """A spreadsheet with a default "Sheet1" (1000 x 26), like a new one in Google."""
    return server.create_spreadsheet("Test", ["Sheet1"])


@pytest.fixture
def session(server: FakeSheetsServer) -> requests.Session:
    """A requests session wired to the stand-in (raw HTTP, no gspread)."""
    return make_session(server)


@pytest.fixture
def gc(server: FakeSheetsServer) -> Any:
    """A gspread client wired to the stand-in."""
    return make_gspread_client(server)
