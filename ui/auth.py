"""Sessions that survive a reload of the tab: a signed, expiring token in a cookie.

Streamlit keeps a person's session per WebSocket connection: reloading the tab opens a new
one and forgets who logged in. So each log-in gets a token, signed with the server's key
(``itsdangerous``), which the page keeps in a cookie; the browser sends it when it
reconnects and the app reads it back (``st.context.cookies``, read-only). Streamlit sends
no HTTP response a page could set a cookie on, so the cookie is written by a line of
JavaScript in the page (``st.html``); it is therefore not HttpOnly (README, «Seguridad»).

* The token names the user, the log-in (a random session id), a fingerprint of the
  password hash (a new password ends every session) and the time it was signed. While the
  person is active it is signed again every few minutes; a token older than
  ``SESSION_MINUTES`` is refused, so the 60-minute inactivity expiry holds across reloads.
* «Cerrar sesión» (and an expiry) puts the session id on a list of ended sessions, kept in
  a file beside the key until the token could no longer be valid, and deletes the cookie:
  the token stops working in this tab and in any other.
* The key: ``RRSS_SESSION_KEY``, else ``[app] session_key`` in ``.streamlit/secrets.toml``,
  else a random key generated once into a file beside the workbook (mode 0600).

Nothing here decides who may do what: the services check every action on fresh data.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import streamlit as st
from itsdangerous import BadSignature, URLSafeSerializer

from core.domain.models import User
from core.services.sessions import credential_fingerprint

COOKIE = "rrss_sesion"
SALT = "rrss-sesion-v1"
REFRESH = timedelta(minutes=5)  # an active person's token is signed again this often
KEY_BYTES = 32


@dataclass(frozen=True)
class Claims:
    """What a valid token says."""

    username: str
    sid: str
    fingerprint: str
    signed_at: datetime


def fingerprint(user: User) -> str:
    """A short digest of the account's credentials: a new password invalidates old tokens."""
    return credential_fingerprint(user)


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


class Sessions:
    """Signs and checks tokens; remembers the sessions that ended (in a file, if given)."""

    def __init__(self, key: bytes, ended_file: Path | None, lifetime: timedelta) -> None:
        self._signer = URLSafeSerializer(key, salt=SALT)
        self._file = ended_file
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._ended: dict[str, datetime] = {}
        self._seen: float | None = None

    # -- tokens ----------------------------------------------------------------------------

    def issue(self, user: User, sid: str, now: datetime) -> str:
        return self._signer.dumps({"u": user.username, "s": sid, "p": fingerprint(user),
                                   "t": now.isoformat(timespec="seconds")})

    def read(self, token: str, now: datetime) -> Claims | None:
        """The token's claims, or None: bad signature, too old, or its session ended."""
        if not token or len(token) > 2000:
            return None
        try:
            data = self._signer.loads(token)
            claims = Claims(str(data["u"]), str(data["s"]), str(data["p"]),
                            datetime.fromisoformat(str(data["t"])))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if not timedelta(0) <= now - claims.signed_at <= self._lifetime:
            return None
        if self.ended(claims.sid, now):
            return None
        return claims

    def valid_for(self, token: str, user: User | None, now: datetime) -> Claims | None:
        """The claims when the token belongs to ``user`` as the ledger knows them now."""
        claims = self.read(token, now)
        if claims is None or user is None or not user.active:
            return None
        if claims.username != user.username or claims.fingerprint != fingerprint(user):
            return None
        return claims

    # -- ended sessions --------------------------------------------------------------------

    def end(self, sid: str, now: datetime) -> None:
        """Refuse every token of this session from now on (until they would expire)."""
        if not sid:
            return
        with self._lock:
            self._load()
            self._ended = {s: t for s, t in self._ended.items() if t > now}
            self._ended[sid] = now + self._lifetime + REFRESH
            self._save()

    def ended(self, sid: str, now: datetime) -> bool:
        with self._lock:
            self._load()
            until = self._ended.get(sid)
        return until is not None and until > now

    def _load(self) -> None:
        if self._file is None:
            return
        try:
            stamp = self._file.stat().st_mtime
        except OSError:
            return
        if stamp == self._seen:
            return
        try:
            raw = json.loads(self._file.read_text(encoding="utf-8"))
            found = {str(k): datetime.fromisoformat(str(v)) for k, v in raw.items()}
        except (OSError, ValueError, AttributeError):
            return  # a damaged list: keep what this process knows
        self._ended.update(found)
        self._seen = stamp

    def _save(self) -> None:
        if self._file is None:
            return
        data = json.dumps({s: t.isoformat(timespec="seconds") for s, t in self._ended.items()})
        temporary = self._file.with_name(self._file.name + f".{os.getpid()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(temporary, self._file)
            self._seen = self._file.stat().st_mtime
        except OSError:
            pass  # the list in memory still refuses the token in this process


# -- the key -----------------------------------------------------------------------------------


def key_file(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.session-key")


def ended_file(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.sesiones-cerradas")


def configured_key(env: dict[str, str] | None = None) -> str:
    """``RRSS_SESSION_KEY`` or ``[app] session_key`` of the Streamlit secrets ("" if none)."""
    value = (env if env is not None else dict(os.environ)).get("RRSS_SESSION_KEY", "").strip()
    if value:
        return value
    try:
        section = st.secrets.get("app", {})
        return str(section.get("session_key", "")).strip() if section else ""
    except Exception:  # noqa: BLE001 - no secrets file, or one Streamlit cannot parse
        return ""


def local_key(path: Path) -> bytes:
    """The key in ``path``, created once (random, mode 0600) when it does not exist; its
    folder is never created."""
    try:
        text = path.read_text(encoding="utf-8").strip()
        if len(text) >= 32:
            return text.encode("utf-8")
    except FileNotFoundError:
        pass
    fresh = secrets.token_urlsafe(KEY_BYTES)
    if not path.parent.is_dir():
        # No ledger's folder (a mistyped path): create nothing; the log-in page says why, and
        # no session can start anyway.
        return fresh.encode("utf-8")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(fresh + "\n")
    return fresh.encode("utf-8")


@st.cache_resource(show_spinner=False, max_entries=8)
def _sessions(key_hint: str, workbook: str, minutes: int) -> Sessions:
    book = Path(workbook)
    key = key_hint.encode("utf-8") if key_hint else local_key(key_file(book))
    return Sessions(key, ended_file(book), timedelta(minutes=minutes))


def sessions(workbook: Path, minutes: int) -> Sessions:
    return _sessions(configured_key(), str(workbook), minutes)


# -- the cookie in the browser -------------------------------------------------------------------


def _script(value: str, max_age: int) -> str:
    cookie = json.dumps(f"{COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict")
    return ("<script>(function(){var c=" + cookie + ";if(location.protocol==='https:')"
            "{c+='; Secure';}document.cookie=c;})();</script>")


def write_cookie(token: str, max_age: int) -> None:
    """Keep ``token`` in the browser (rendered where it takes no room: the sidebar's end)."""
    st.html(_script(token, max_age), unsafe_allow_javascript=True, width="content")


def clear_cookie() -> None:
    st.html(_script("", 0), unsafe_allow_javascript=True, width="content")


def cookie_token() -> str:
    """The token the browser sent when this tab connected ("" when none)."""
    try:
        return str(st.context.cookies.get(COOKIE, "") or "")
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode)
        return ""
