"""Session, wiring and rendering helpers for the pages (the Streamlit glue).

Tests inject a repository, a clock, a mailer and a file store through ``st.session_state``
("repo", "clock", "mailer", "files");
otherwise the repository comes from configuration, once per server process.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, TypeVar

import streamlit as st

from core.adapters import waits
from core.adapters.smtp import mailer_from_env
from core.domain.errors import DomainError
from core.domain.ledger import Ledger
from core.domain.models import Event, User
from core.domain.permissions import PermissionMatrix
from core.domain.ports import FileStore, Mailer, Repository
from core.domain.roles import Role
from core.domain.workdays import WorkCalendar
from core.services import administration, intake, notifications
from core.services.accounts import AuditWriter, LoginGuard, record_now
from core.services.service_logs import AttentionHours
from ui import auth, caches
from wiring import Settings, local_now, login_guard, open_file_store, open_repository, sheets_key

T = TypeVar("T")
SESSION_MINUTES = 60


@st.cache_resource(show_spinner=False)
def _shared_repository(path: str, subdivision: str | None, sheet: str = "",
                       link: str = notifications.DEFAULT_PUBLIC_URL) -> Repository:
    """The Google Sheet ``sheet`` when configured, else the workbook at ``path``.

    Rows waiting in the intake tab are taken once here, at start-up; afterwards intake is
    an explicit step (the UGS head's button, the CLI from cron): a page view only reads.
    """
    repo = open_repository(settings())
    try:
        intake.process(repo, local_now(), link)
    except DomainError:  # the app still starts; Salud de datos and the button say more
        logging.getLogger(__name__).exception("ingreso de solicitudes al iniciar")
    return repo


def _stop_with(error: DomainError) -> None:
    """A ledger that cannot be opened (credentials, tabs, headers): say why, no trace."""
    st.error(error.message)
    st.stop()


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_calendar(subdivision: str | None,
                     days_off: tuple[tuple[date, str], ...] = ()) -> WorkCalendar:
    """One calendar per department and set of institutional days off (its index is lazy)."""
    return WorkCalendar.for_bolivia(subdivision=subdivision, days_off=dict(days_off))


def settings() -> Settings:
    return Settings.from_env()


def public_url() -> str:
    """The app's address for links in mails: ``RRSS_PUBLIC_URL``, else ``[app] public_url``
    in the Streamlit secrets, else http://localhost:8501."""
    if os.environ.get("RRSS_PUBLIC_URL", "").strip():
        return settings().public_url
    try:
        section = st.secrets.get("app", {})
        configured = str(section.get("public_url", "")).strip() if section else ""
    except Exception:  # noqa: BLE001 - no secrets file
        configured = ""
    return configured.rstrip("/") or settings().public_url
@st.cache_resource(show_spinner=False)
def _shared_guard(state_dir: str) -> LoginGuard:
    """One count of failed log-ins per server process (and its file in the state dir)."""
    return login_guard(settings())


def guard() -> LoginGuard:
    injected = st.session_state.get("guard")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    return _shared_guard(str(settings().state_dir))


def login_audit() -> AuditWriter:
    """How log-in audit events are written (tests inject ``st.session_state["audit"]``)."""
    injected = st.session_state.get("audit")
    return injected if injected is not None else audit_in_background  # type: ignore[no-any-return]


def audit_in_background(repo: Repository, events: Sequence[Event]) -> None:
    """Log-in audit events are written off the request's path: a real account's refusal
    then takes as long as an unknown name's (the guard has already counted it)."""
    threading.Thread(target=record_now, args=(repo, events), name="rrss-ingreso",
                     daemon=True).start()


def repository() -> Repository:
    injected = st.session_state.get("repo")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    try:
        config = settings()
        return _shared_repository(str(config.workbook), config.subdivision, sheets_key(),
                                  public_url())
    except DomainError as error:
        _stop_with(error)
        raise  # unreachable: st.stop() ends the run


def file_store() -> FileStore:
    """Where the material's files live (tests inject ``st.session_state["files"]``)."""
    injected = st.session_state.get("files")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    return caches.file_store(repository(), lambda repo: open_file_store(settings(), repo))


def calendar() -> WorkCalendar:
    injected = st.session_state.get("calendar")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    days_off = tuple(sorted(administration.institutional_days_off(ledger()).items()))
    return _shared_calendar(settings().subdivision, days_off)


def attention_hours() -> AttentionHours:
    """The social-media team's attention hours (``RRSS_ATTENTION_HOURS``; default: the
    manual's around the clock)."""
    return AttentionHours.from_env(os.environ)


def now() -> datetime:
    clock = st.session_state.get("clock")
    return clock() if callable(clock) else local_now()


def tell_waiting(wait: waits.Wait) -> None:
    """Shown at once while the ledger makes the person wait (Google's per-minute quota):
    what is happening, how long, and that nothing is saved yet. The toast stays up until
    the next attempt (each attempt that must wait says so again)."""
    st.toast(wait.message, icon="⏳", duration=max(4, math.ceil(wait.seconds) + 1))


def telling_waits() -> AbstractContextManager[None]:
    """For the whole script run (``app.py``): any wait the storage imposes on this page
    view or action is shown to the person as it happens."""
    return waits.listening(tell_waiting)


def ledger() -> Ledger:
    """The current ledger (a page view only reads)."""
    try:
        with telling_waits():
            return repository().snapshot().ledger
    except DomainError as error:
        _stop_with(error)
        raise  # unreachable: st.stop() ends the run


def permissions() -> PermissionMatrix:
    """The permission matrix, for pages to hide what the services would refuse anyway."""
    return ledger().permissions


PASSWORD_CHANGED = "La contraseña de su cuenta cambió; ingrese de nuevo."


def current_user() -> User | None:
    username = st.session_state.get("username")
    if not username:
        return None
    user = ledger().users.get(username)
    if user is None or not user.active:
        st.session_state.pop("username", None)
        return None
    # A new password ends every session, this tab's too (not only tokens read on a reload).
    credential = st.session_state.setdefault("credential", auth.fingerprint(user))
    if credential != auth.fingerprint(user):
        end_session(PASSWORD_CHANGED)
        return None
    return user


# -- sessions that survive a reload (ui.auth) -------------------------------------------------


def _sessions() -> auth.Sessions:
    config = settings()  # the key and the ended sessions: this server's state
    return auth.sessions(config.state_dir / config.workbook.name, SESSION_MINUTES)


def start_session(user: User) -> None:
    """After a successful log-in: this tab's session, and a new token for the cookie."""
    st.session_state["username"] = user.username
    st.session_state["credential"] = auth.fingerprint(user)
    st.session_state["sid"] = auth.new_session_id()
    st.session_state["last_seen"] = now()
    st.session_state.pop("token_at", None)
    st.session_state.pop("token", None)


def resume_session() -> User | None:
    """A tab just reloaded: the user of the token in its cookie, if it is still valid."""
    token = auth.cookie_token()
    if not token:
        return None
    claims = _sessions().read(token, now())
    if claims is None:
        return None
    user = ledger().users.get(claims.username)
    if _sessions().valid_for(token, user, now()) is None or user is None:
        return None
    st.session_state["username"] = user.username
    st.session_state["credential"] = claims.fingerprint
    st.session_state["sid"] = claims.sid
    st.session_state["last_seen"] = now()
    st.session_state.pop("token_at", None)
    st.session_state.pop("token", None)
    return user


def session_ended_elsewhere() -> bool:
    """Whether «Cerrar sesión» in another tab (or an expiry) ended this session."""
    sid = st.session_state.get("sid")
    return bool(sid) and _sessions().ended(str(sid), now())


def keep_session(user: User) -> None:
    """Keep the token in the browser's cookie, signed again every few minutes while the
    person is active. Rendered on every run (the sidebar's end): a run cut short by a page
    switch may never reach the browser, and the same script again does nothing."""
    at = st.session_state.get("token_at")
    current = now()
    if at is None or current - at >= auth.REFRESH or "token" not in st.session_state:
        sid = st.session_state.setdefault("sid", auth.new_session_id())
        st.session_state["token"] = _sessions().issue(user, str(sid), current)
        st.session_state["token_at"] = current
    with st.sidebar:
        auth.write_cookie(str(st.session_state["token"]), SESSION_MINUTES * 60)


def end_session(message: str | None = None) -> None:
    """Log out: the token stops working everywhere, the cookie is deleted, the form shows."""
    sid = st.session_state.get("sid")
    if sid:
        _sessions().end(str(sid), now())
    keep = {k: st.session_state[k] for k in ("repo", "clock", "mailer", "calendar")
            if k in st.session_state}
    st.session_state.clear()
    st.session_state.update(keep)
    st.session_state["_clear_cookie"] = True
    if message:
        st.session_state["flash_warning"] = message


def clear_cookie_if_asked() -> None:
    if st.session_state.pop("_clear_cookie", False):
        auth.clear_cookie()


ENTERED_THROUGH_APP = "_entered_through_app"


def require_user() -> User:
    if not st.session_state.get(ENTERED_THROUGH_APP):
        # Until app.py has run once in the server process, Streamlit treats ``pages/`` as an
        # old-style pages folder and runs a linked page file on its own (no log-in form, every
        # page listed). Go through app.py, which logs in and filters pages by role.
        st.switch_page("app.py")
    user = current_user()
    if user is None:
        st.warning("Inicie sesión para continuar.")
        st.stop()
    assert user is not None
    return user


def run(
    action: Callable[[], T], success: str | None = None, *, defer_error: bool = False
) -> T | None:
    """Call a service; show a domain error in Spanish instead of a stack trace.

    From a widget callback (which runs before the page), pass ``defer_error=True``: the
    page shows the message with :func:`show_deferred_error`.
    """
    try:
        with telling_waits():  # also from a widget callback, which runs before app.py
            result = action()
    except DomainError as error:
        if defer_error:
            st.session_state["deferred_error"] = error.message
        else:
            st.error(error.message)
        return None
    if success:
        st.session_state["flash"] = success
    deliver_mail_in_background()
    return result


# -- e-mail (core.notify): never blocks or breaks a page ----------------------------------


def mailer() -> Mailer | None:
    """The SMTP mailer from ``RRSS_SMTP_*`` (none with demo data); tests may inject
    ``st.session_state["mailer"]``."""
    injected = st.session_state.get("mailer")
    if injected is not None:
        return injected  # type: ignore[no-any-return]
    if ledger().is_demo:
        return None  # never mail the demo users' addresses (notifications.DEMO_NO_MAIL)
    try:
        return mailer_from_env()
    except ValueError:
        return None  # misconfigured: the outbox page says why; mails stay queued


def _deliver_quietly(repo: Repository, sender: Mailer, when: datetime) -> None:
    try:
        # A delivery already running read its list before this action's mails existed:
        # wait for it rather than skip, or they would sit until the next trigger.
        notifications.deliver_pending(repo, sender, when, wait=120,
                                      slot=caches.delivery_slot(repo))
    except Exception:  # the outbox page shows what stayed unsent (logged here)
        logging.getLogger(__name__).exception("envío de correos en segundo plano")


def deliver_mail_in_background() -> threading.Thread | None:
    """Send pending mail in a daemon thread after an action; the page never waits for it."""
    try:
        sender = mailer()
        if sender is None:
            return None
        thread = threading.Thread(target=_deliver_quietly, name="rrss-correo", daemon=True,
                                  args=(repository(), sender, now()))
        thread.start()
        return thread
    except Exception:  # mail must never break an action that succeeded
        logging.getLogger(__name__).exception("no se pudo iniciar el envío de correos")
        return None


def queue_daily_digest_once() -> None:
    """Queue today's digest of overdue items (idempotent) on a session's first page of the day."""
    today = now().date()
    if st.session_state.get("_digest_day") == today:
        return
    st.session_state["_digest_day"] = today
    try:
        if notifications.queue_daily_digest(repository(), calendar(), now(), public_url()):
            deliver_mail_in_background()
    except DomainError:
        logging.getLogger(__name__).exception("resumen diario")


def show_deferred_error() -> None:
    message = st.session_state.pop("deferred_error", None)
    if message:
        st.error(message)


def flash(message: str) -> None:
    """A success message the next run shows (after ``st.rerun()``)."""
    st.session_state["flash"] = message


def flash_warning(message: str) -> None:
    """A warning the next run shows (e.g. requests left without anyone to act)."""
    st.session_state["flash_warning"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)
    warning = st.session_state.pop("flash_warning", None)
    if warning:
        st.warning(warning)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: Any) -> str:
    """User text inside markdown, shown literally: no links, no HTML, no formatting."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def role_labels(roles: tuple[Role, ...]) -> str:
    return ", ".join(r.label for r in roles)
