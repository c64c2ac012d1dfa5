"""Usuarios y unidades: accounts, roles (who names whom, manual 6 b–c) and units.

Nothing is deleted: accounts and units are deactivated. A password is shown once, right
after it is generated, and never again; the account table never includes its hash.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.domain.permissions import Capability
from core.domain.roles import ROLE_LABELS
from core.services import administration as admin
from ui import accounts_views, session
from ui.formats import show_table

user = session.require_user()
session.show_flash()
repo = session.repository()

st.title("Usuarios y unidades")
st.caption("La Jefatura de la UGS nombra al Administrador Principal, editores y moderadores "
           "(6 c); la Dirección Ejecutiva nombra al Comité (6 b); el administrador del "
           "sistema gestiona las cuentas. Ver la página Permisos.")

matrix = session.permissions()
may_create = matrix.can(user, Capability.CREATE_ACCOUNTS)
may_manage = matrix.can(user, Capability.MANAGE_ACCOUNTS)
may_units = matrix.can(user, Capability.MANAGE_UNITS)
accounts_tab, new_tab, units_tab, history_tab = st.tabs(
    ["Cuentas", "Nueva cuenta", "Unidades", "Historial"])


# -- new account (rendered first so the other tabs show it at once) -------------------------
with new_tab:
    ledger = session.ledger()
    if not may_create:
        st.info("Su rol no crea cuentas.")
    else:
        grantable = admin.grantable_roles(ledger, user)
        active_units = ["", *sorted(c for c, u in ledger.units.items() if u.active)]
        with st.form("new_account", clear_on_submit=True):
            username = st.text_input("Usuario (minúsculas, sin espacios)", key="new_username")
            full_name = st.text_input("Nombre completo", key="new_full_name")
            email = st.text_input("Correo", key="new_email")
            unit = st.selectbox("Unidad", active_units, key="new_unit",
                                format_func=lambda c: accounts_views.unit_label(ledger.units, c))
            roles = st.multiselect("Roles", grantable, key="new_roles",
                                   format_func=lambda r: r.label, placeholder="Elija los roles",
                                   select_all=False)
            password = st.text_input("Contraseña inicial (vacía: se genera una)",
                                     type="password", key="new_password")
            created = st.form_submit_button("Crear cuenta", type="primary")
        if created:
            secret = session.run(lambda: admin.create_user(
                repo, user.username, {"username": username, "full_name": full_name,
                                      "email": email, "unit": unit, "roles": roles},
                session.now(), password=password or None))
            if secret is not None:
                st.success(f"Cuenta «{username.strip().lower()}» creada.")
                if not password:
                    accounts_views.show_password_once(username.strip().lower(), secret)

with units_tab:
    accounts_views.units_panel(user, repo, may_units)

with accounts_tab:
    accounts_views.account_editor(user, repo, may_manage)

# -- history ---------------------------------------------------------------------------------
with history_tab:
    events = admin.administration_events(session.ledger())
    show_table(pd.DataFrame([{
        "Fecha": e.at, "Acción": e.outcome, "Objeto": e.subject, "Por": e.actor,
        "Rol": ROLE_LABELS.get(e.role, e.role),  # type: ignore[call-overload]
        "Detalle": json.dumps(e.payload(), ensure_ascii=False) if e.data else "",
        "Comentario": e.comment,
    } for e in events], columns=["Fecha", "Acción", "Objeto", "Por", "Rol", "Detalle",
                                 "Comentario"]),
        hide_index=True, width="stretch", key="admin_history")
