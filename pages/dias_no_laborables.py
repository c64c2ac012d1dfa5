"""Días no laborables: the holidays of a year and the agency's own days off, which every
deadline skips; managers record a new institutional day off here (or in the sheet).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core.domain.permissions import Capability
from core.services import administration
from ui import session
from ui.formats import show_table

WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]

user = session.require_user()
session.show_flash()
ledger = session.ledger()
today = session.now().date()
workdays = session.calendar()
recorded = administration.institutional_days_off(ledger)

st.title("Días no laborables")
st.caption(
    "Los plazos se cuentan en días hábiles: de lunes a viernes, sin los feriados nacionales "
    "ni los departamentales (según el calendario oficial de Bolivia) ni los días no laborables "
    "que la ADSIB registra aquí o en la pestaña «dias_no_laborables» del libro.")

years = sorted({today.year - 1, today.year, today.year + 1} | {d.year for d in recorded})
year = st.selectbox("Año", years, index=years.index(today.year), key="days_year")
rows = []
day = date(year, 1, 1)
while day.year == year:
    name = workdays.holiday_name(day)
    if name is not None or day in recorded:
        institutional = day in recorded
        rows.append({
            "Fecha": day, "Día": WEEKDAYS[day.weekday()],
            "Motivo": (recorded[day] or "Día no laborable institucional")
            if institutional else name,
            "Origen": "Institucional (ADSIB)" if institutional else "Feriado oficial",
            "Cuenta como día hábil": "no" if not workdays.is_working_day(day) else "sí",
        })
    day += timedelta(days=1)
frame = pd.DataFrame(rows, columns=["Fecha", "Día", "Motivo", "Origen",
                                    "Cuenta como día hábil"])
show_table(frame, hide_index=True, width="stretch", key="days_table")
st.caption(f"{sum(1 for d in recorded if d.year == year)} día(s) institucional(es) y "
           f"{len(frame) - sum(1 for d in recorded if d.year == year)} feriado(s) en {year}. "
           "Un feriado en fin de semana se muestra aunque no cambie ningún plazo.")

if session.permissions().can(user, Capability.RECORD_DAYS_OFF):
    st.subheader("Registrar un día no laborable institucional")
    with st.form("day_off", clear_on_submit=True):
        chosen = st.date_input("Fecha", value=today, key="dayoff_date", format="DD/MM/YYYY")
        description = st.text_input("Motivo", key="dayoff_description",
                                    placeholder="p. ej. Aniversario de la ADSIB")
        submitted = st.form_submit_button("Registrar día no laborable")
    if submitted and session.run(
        lambda: administration.add_day_off(session.repository(), user.username, chosen,
                                     description, session.now()) or True,
        f"Registrado: el {chosen:%d/%m/%Y} no cuenta como día hábil para los plazos.",
    ):
        st.rerun()
    st.caption("Para quitar un día registrado por error, borre su fila en la pestaña "
               "«dias_no_laborables» del libro; el registro de auditoría conserva quién lo "
               "agregó.")
