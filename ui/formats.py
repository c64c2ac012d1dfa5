"""How values read in Bolivia: dd/mm/aaaa, 24 h, Bs 1.500,00, people's names, «—» for nothing.

Tables hand Streamlit text, never raw dates or None: its grid would print ISO timestamps
and the English word «None».
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from core.domain.ledger import Ledger

NOTHING = "—"


def day(value: date | datetime | None) -> str:
    return f"{value:%d/%m/%Y}" if value and value is not pd.NaT else NOTHING


def stamp(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y %H:%M}" if value and value is not pd.NaT else NOTHING


def money(amount: float | None) -> str:
    """«Bs 1.500,00»: a dot between thousands, a comma before the cents."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return NOTHING
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"Bs {text}"


def person(ledger: Ledger, username: str) -> str:
    """A user's full name (their user name when the account is unknown)."""
    user = ledger.users.get(username)
    return user.full_name if user else (username or NOTHING)


def cell(value: object) -> str:
    """Any value as the text of a table cell."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return NOTHING
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}".replace(".", ",")
    text = str(value)
    return text if text.strip() else NOTHING


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell of ``frame`` as text (dates dd/mm/aaaa, «—» for nothing); numbers stay."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if values.isna().any():
                shown[column] = [cell(v) for v in values]
            continue
        shown[column] = [cell(v) for v in values]
    return shown


def show_table(frame: pd.DataFrame, **options: object) -> object:
    """``st.dataframe`` of ``frame`` as people read it (dates dd/mm/aaaa, «—» for nothing)."""
    import streamlit as st

    return st.dataframe(readable(frame), **options)  # type: ignore[arg-type]
