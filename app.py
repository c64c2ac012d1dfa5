"""Entry point: log-in, then the navigation each role may see.

Run with ``streamlit run app.py``. Pages live in ``pages/`` and stay thin: they read
widgets, call one service from ``core.services`` and render the result or the error.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.services import accounts, audit
from ui import caches, layout, session
from ui.navigation import may_see

st.set_page_config(page_title="Publicaciones RRSS · ADSIB", page_icon="📣", layout="wide")

# (key, file, title, icon), grouped as the navigation shows them.
PAGES = {
    "Procedimiento": [
        ("bandeja", "pages/bandeja.py", "Bandeja", "📥"),
        ("solicitud", "pages/solicitud.py", "Solicitud", "📄"),
        ("nueva_solicitud", "pages/nueva_solicitud.py", "Nueva solicitud", "📝"),
        ("publicaciones_directas", "pages/publicaciones_directas.py",
         "Publicaciones directas", "📷"),
    ],
    "Seguimiento": [
        ("tablero", "pages/tablero.py", "Tablero de plazos", "⏱️"),
        ("plan_promocion", "pages/plan_promocion.py", "Plan de promoción", "🗓️"),
        ("atencion", "pages/atencion.py", "Consultas y crisis", "💬"),
        ("informe", "pages/informe.py", "Informe técnico", "📑"),
        ("eliminaciones", "pages/eliminaciones.py", "Órdenes de eliminación", "🗑️"),
    ],
    "Administración": [
        ("dias_no_laborables", "pages/dias_no_laborables.py", "Días no laborables", "🏖️"),
        ("procedimientos", "pages/procedimientos.py", "Procedimientos", "🧭"),
        ("permisos", "pages/permisos.py", "Permisos", "🔑"),
        ("usuarios", "pages/usuarios.py", "Usuarios y unidades", "👥"),
        ("correo", "pages/correo.py", "Correo saliente", "✉️"),
        ("auditoria", "pages/auditoria.py", "Auditoría", "🛡️"),
        ("salud_datos", "pages/salud_datos.py", "Salud de datos", "🩺"),
    ],
}


def login_page() -> None:
    st.title("Publicaciones en redes sociales · ADSIB")
    st.markdown("Manual de procesos ADSIB-INST-MPROC-12 · Unidad de Gestión de Servicios")
    session.show_flash()  # e.g. «Administrador creado; inicie sesión.»
    session.clear_cookie_if_asked()
    wanted = st.query_params.get("id")
    if wanted:  # a link from a mail: the request opens once the person is in
        st.session_state["request_id"] = wanted
        st.info(f"Ingrese para abrir la solicitud {session.md_escape(wanted)}.")
    ledger = session.ledger()
    for problem in accounts.login_problems(ledger):
        st.error(problem, icon="🛠️")
    if accounts.needs_first_admin(ledger):
        first_admin_form()
        return
    with st.form("login"):
        username = st.text_input("Usuario", key="login_user")
        password = st.text_input("Contraseña", type="password", key="login_password")
        submitted = st.form_submit_button("Ingresar")
    st.markdown(f"Tras {accounts.MAX_FAILED_LOGINS} intentos fallidos seguidos la cuenta se "
                f"bloquea {accounts.LOCK_MINUTES} minutos. La sesión se cierra tras "
                f"{session.SESSION_MINUTES} minutos sin actividad.")
    if submitted:
        user = session.run(lambda: accounts.authenticate(
            session.repository(), username, password, now=session.now(),
            guard=session.guard(), audit=session.login_audit()))
        if user is not None:
            session.start_session(user)
            st.rerun()


def first_admin_form() -> None:
    st.info("El libro está vacío. Cree la cuenta del administrador del sistema para empezar.")
    with st.form("first_admin"):
        username = st.text_input("Usuario", key="setup_user")
        name = st.text_input("Nombre completo", key="setup_name")
        password = st.text_input("Contraseña (mínimo 8 caracteres)", type="password",
                                 key="setup_password")
        submitted = st.form_submit_button("Crear administrador")
    if submitted and session.run(
        lambda: accounts.create_first_admin(session.repository(), username, name, password,
                                            session.now()) or True,
        "Administrador creado; inicie sesión.",
    ):
        st.rerun()


def no_access() -> None:
    """A page the person's roles do not show (a link from someone else): said in Spanish."""
    st.title("Sin acceso")
    st.warning("Su rol no tiene acceso a esta página. Use las páginas del menú lateral.")
    if st.button("Ir a la Bandeja", key="no_access_inbox"):
        st.switch_page("pages/bandeja.py")


def session_expired() -> bool:
    last = st.session_state.get("last_seen")
    current = session.now()
    if last is not None and current - last > timedelta(minutes=session.SESSION_MINUTES):
        return True
    st.session_state["last_seen"] = current
    return False


def logged_out_navigation() -> None:
    """The log-in form, also at every page's address: a link from a mail keeps its page and
    its ``?id=`` through the log-in (no «Page not found»)."""
    hidden = [st.Page(login_page, title=title, icon=icon, url_path=key, visibility="hidden")
              for entries in PAGES.values() for key, _, title, icon in entries]
    st.navigation([st.Page(login_page, title="Ingresar", icon="🔐", default=True), *hidden],
                  position="hidden").run()


def main() -> None:
    try:
        user = session.current_user() or session.resume_session()
    except Exception as error:  # noqa: BLE001 - the ledger could not be opened at all
        message = getattr(error, "message", None) or "No se pudo abrir el libro de registro."
        st.error(message)
        st.stop()
    if user is not None and session.session_ended_elsewhere():
        session.end_session("La sesión se cerró; ingrese de nuevo.")
        user = None
    elif user is not None and session_expired():
        session.end_session("Su sesión expiró por inactividad; ingrese de nuevo.")
        user = None
    if user is None:
        logged_out_navigation()
        return
    if session.ledger().is_demo:
        st.warning("Datos de demostración: este libro contiene usuarios y solicitudes de "
                   "ejemplo (ver README).", icon="🧪")
    tampered = audit.banner_text(audit.check(caches.monitor(session.repository()),
                                             session.ledger()))  # hashed once per snapshot
    if tampered:
        st.error(tampered, icon="🛡️")
    st.sidebar.markdown(f"**{session.md_escape(user.full_name)}**  \n"
                        f"{session.md_escape(session.role_labels(user.roles))}")
    if st.sidebar.button("Cerrar sesión", key="logout"):
        session.end_session()
        st.rerun()
    session.keep_session(user)  # the signed token in the cookie: a reload keeps the session
    layout.close_sidebar_on_phone()
    session.queue_daily_digest_once()  # overdue items, once a day (core.notify)
    pages: dict[str, list[st.Page]] = {}
    hidden: list[st.Page] = []
    for section, entries in PAGES.items():
        for key, path, title, icon in entries:
            if may_see(key, user.roles):
                pages.setdefault(section, []).append(
                    st.Page(path, title=title, icon=icon, url_path=key))
            else:
                hidden.append(st.Page(no_access, title=title, icon=icon, url_path=key,
                                      visibility="hidden"))
    if hidden:
        pages.setdefault("Procedimiento", []).extend(hidden)
    st.session_state[session.ENTERED_THROUGH_APP] = True
    try:
        st.navigation(pages, expanded=True).run()
    finally:
        st.session_state.pop(session.ENTERED_THROUGH_APP, None)


with session.telling_waits():  # Google's quota waits, shown while they last
    main()
