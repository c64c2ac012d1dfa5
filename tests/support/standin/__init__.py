"""Offline stand-in for the Google Sheets API v4 and the Drive v3 files an app keeps.

Mount it into a ``requests.Session`` and hand that session to gspread::

    from support.standin import FakeSheetsServer, make_gspread_client

    server = FakeSheetsServer()
    sid = server.create_spreadsheet("Budget", ["Sheet1"])
    gc = make_gspread_client(server)
    gc.open_by_key(sid).sheet1.append_row(["a", "b"])
"""

from .a1 import Bounds, format_range, index_to_col, parse_cells, parse_range, quote_sheet_name
from .discovery import Discovery, load_discovery
from .drive import SERVICE_ACCOUNT_NO_STORAGE, load_drive_discovery
from .errors import ApiError
from .identity import Identity
from .protection import PROTECTED_MESSAGE
from .quota import QuotaLimits
from .sheets_api import (
    READ_OPERATIONS,
    Call,
    FakeSheetsAdapter,
    FakeSheetsServer,
    find_table,
    make_credentials,
    make_gspread_client,
    make_session,
    mount,
)

__all__ = [
    "PROTECTED_MESSAGE",
    "READ_OPERATIONS",
    "SERVICE_ACCOUNT_NO_STORAGE",
    "ApiError",
    "Bounds",
    "Call",
    "Discovery",
    "FakeSheetsAdapter",
    "FakeSheetsServer",
    "Identity",
    "QuotaLimits",
    "find_table",
    "format_range",
    "index_to_col",
    "load_discovery",
    "load_drive_discovery",
    "make_credentials",
    "make_gspread_client",
    "make_session",
    "mount",
    "parse_cells",
    "parse_range",
    "quote_sheet_name",
]
