"""Views of «Usuarios y unidades»: the units panel and the account editor.

The page stays thin; every change goes through core.services.administration, which checks
the matrix on fresh data. A password is shown once, right after it is generated.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.models import User
from core.domain.ports import Repository
from core.domain.roles import Role
from core.services import administration as admin
from ui import session
from ui.formats import show_table
from ui.staffing import stranded


def show_password_once(username: str, password: str) -> None:
    st.warning(f"Contraseña de «{username}». Cópiela y entréguela ahora: no se volverá a "
               "mostrar ni se guarda en ningún lugar.", icon="🔑")
    st.code(password, language=None)


def unit_label(ledger_units: dict[str, object], code: str) -> str:
    unit = ledger_units.get(code)
    return f"{code} · {getattr(unit, 'name', '')}" if code else "(sin unidad)"


def units_panel(user: User, repo: Repository, may_units: bool) -> None:
    """The agency's units, and (for those who may) create, rename, (de)activate one."""
    if may_units:
        left, right = st.columns(2)
        with left, st.form("new_unit_form", clear_on_submit=True):
            code = st.text_input("Código (p. ej. UGS)", key="unit_new_code")
            name = st.text_input("Nombre", key="unit_new_name")
            if st.form_submit_button("Crear unidad") and session.run(
                    lambda: admin.create_unit(repo, user.username, code, name, session.now()),
                    "Unidad creada."):
                st.rerun()
        with right:
            units_now = session.ledger().units
            if units_now:
                picked = st.selectbox("Unidad", sorted(units_now), key="unit_pick",
                                      format_func=lambda c: unit_label(units_now, c))
                chosen = units_now[picked]
                new_name = st.text_input("Nuevo nombre", value=chosen.name,
                                         key=f"unit_rename_{picked}")
                a, b = st.columns(2)
                if a.button("Renombrar", key="unit_rename") and session.run(
                        lambda: admin.rename_unit(repo, user.username, picked, new_name,
                                                  session.now()) or True, "Unidad renombrada."):
                    st.rerun()
                toggle = "Reactivar" if not chosen.active else "Desactivar"
                if b.button(toggle, key="unit_toggle") and session.run(
                        lambda: admin.set_unit_active(repo, user.username, picked,
                                                      not chosen.active, session.now()) or True,
                        f"Unidad {'reactivada' if not chosen.active else 'desactivada'}."):
                    st.rerun()
    units_rows = [{"Código": u.code, "Nombre": u.name, "Activa": "sí" if u.active else "no",
                   "Cuentas activas": sum(1 for x in session.ledger().users.values()
                                          if x.active and x.unit == u.code)}
                  for u in sorted(session.ledger().units.values(), key=lambda u: u.code)]
    show_table(pd.DataFrame(units_rows), hide_index=True, width="stretch",
               key="units_table")


def account_editor(user: User, repo: Repository, may_manage: bool) -> None:
    """Every account in a table; one picked account's roles, data, status and password."""
    ledger = session.ledger()
    views = admin.accounts(ledger)
    table = pd.DataFrame([{
        "Usuario": a.username, "Nombre": a.full_name, "Correo": a.email, "Unidad": a.unit,
        "Roles": session.role_labels(a.roles), "Activa": "sí" if a.active else "no",
        "Creada": a.created_at,
    } for a in views])
    show_table(table, hide_index=True, width="stretch", key="users_table")
    usernames = [a.username for a in views]
    picked = st.selectbox("Cuenta", usernames, key="user_pick",
                          format_func=lambda u: f"{u} · {ledger.users[u].full_name}")
    target = ledger.users[picked]
    st.subheader(session.md_escape(target.full_name))
    if not target.active:
        st.info("Cuenta desactivada: no puede ingresar ni actuar; su historial se conserva.")

    grantable = admin.grantable_roles(ledger, user, picked)
    removable = admin.removable_roles(ledger, user)
    options = [r for r in Role if r in target.roles or r in grantable]
    if picked == user.username:
        st.caption("Nadie modifica sus propios roles.")
    elif grantable or any(r in removable for r in target.roles):
        with st.form(f"roles_form_{picked}"):
            chosen = st.multiselect("Roles", options, default=list(target.roles),
                                    key=f"user_roles_{picked}", format_func=lambda r: r.label,
                                    placeholder="Elija los roles", select_all=False)
            reason = st.text_input("Motivo o documento (p. ej. memorándum)",
                                   key=f"user_roles_reason_{picked}")
            saved = st.form_submit_button("Guardar roles")
        alone = stranded(ledger, target.model_copy(update={"roles": tuple(chosen)})) \
            if saved and chosen else ""
        if saved and session.run(lambda: admin.set_roles(
                repo, user.username, picked, chosen, session.now(), comment=reason) or True,
                "Roles actualizados."):
            if alone:
                session.flash_warning(alone)
            st.rerun()
    else:
        st.caption("Su rol no asigna ni quita los roles de esta cuenta.")

    if may_manage:
        with st.expander("Datos de la cuenta"), st.form(f"data_form_{picked}"):
            full_name = st.text_input("Nombre completo", value=target.full_name,
                                      key=f"user_name_{picked}")
            email = st.text_input("Correo", value=target.email, key=f"user_email_{picked}")
            codes = ["", *sorted(ledger.units)]
            unit = st.selectbox("Unidad", codes, index=codes.index(target.unit)
                                if target.unit in codes else 0, key=f"user_unit_{picked}",
                                format_func=lambda c: unit_label(ledger.units, c))
            if st.form_submit_button("Guardar datos") and session.run(
                    lambda: admin.update_user_data(repo, user.username, picked, session.now(),
                                                   full_name=full_name, email=email,
                                                   unit=unit) or True,
                    "Datos actualizados."):
                st.rerun()
        left, right = st.columns(2)
        alone = stranded(ledger, target.model_copy(update={"active": False})) \
            if target.active else ""
        if alone:
            st.warning(f"Si desactiva esta cuenta: {alone}")
        with left:
            label = "Desactivar cuenta" if target.active else "Reactivar cuenta"
            if st.button(label, key="user_toggle"):
                action = admin.deactivate_user if target.active else admin.reactivate_user
                done = "Cuenta desactivada." if target.active else "Cuenta reactivada."
                if session.run(lambda: action(repo, user.username, picked, session.now())
                               or True, done):
                    if alone:
                        session.flash_warning(alone)
                    st.rerun()
        with right, st.form(f"reset_form_{picked}", clear_on_submit=True):
            chosen_password = st.text_input("Nueva contraseña (vacía: se genera una)",
                                            type="password", key="user_new_password")
            reset = st.form_submit_button("Restablecer contraseña")
        if reset:
            secret = session.run(lambda: admin.reset_password(
                repo, user.username, picked, session.now(),
                password=chosen_password or None))
            if secret is not None:
                st.success("Contraseña restablecida; el bloqueo por intentos fallidos, si "
                           "lo había, se levantó.")
                if not chosen_password:
                    show_password_once(picked, secret)
