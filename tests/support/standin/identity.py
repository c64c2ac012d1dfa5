"""Who is calling: an e-mail and a Google Cloud project, carried in the bearer token.

Google decides everything per caller: which files they see, whether a protected range lets
them edit, whose per-minute quota a request spends. The stand-in's credentials therefore
name a caller (``make_session(server, as_email=..., project=...)``) and the server reads it
back from the ``Authorization`` header. A request without one is the server's default
caller (the owner), as before identities existed.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

DEFAULT_PROJECT = "000000000000"
TOKEN = "standin-access-token"
_ROLE_RANK = {
    "reader": 1,
    "commenter": 2,
    "writer": 3,
    "fileOrganizer": 4,
    "organizer": 5,
    "owner": 6,
}


@dataclass(frozen=True)
class Identity:
    """A caller: the account's e-mail and the project (number) its credentials belong to."""

    email: str
    project: str = DEFAULT_PROJECT

    @property
    def is_service_account(self) -> bool:
        """Service accounts own no Drive storage (Google refuses their uploads to My Drive)."""
        return self.email.lower().endswith(".gserviceaccount.com")


#: The caller of the request being handled (set by the server from the bearer token).
CALLER: contextvars.ContextVar[Identity | None] = contextvars.ContextVar(
    "standin_caller", default=None
)


def token_for(email: str | None = None, project: str | None = None) -> str:
    """The bearer token naming a caller; the bare token means "the default caller"."""
    if email is None and project is None:
        return TOKEN
    return f"{TOKEN};as={email or ''};project={project or ''}"


def identity_from(authorization: str | None, default: Identity) -> Identity:
    """Read the caller back from an ``Authorization: Bearer ...`` header."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not token.startswith(TOKEN + ";"):
        return default
    fields = dict(part.split("=", 1) for part in token.split(";")[1:] if "=" in part)
    return Identity(fields.get("as") or default.email, fields.get("project") or default.project)


def role_rank(role: str | None) -> int:
    """Order Drive roles so "at least writer" is a comparison (0 = no access)."""
    return _ROLE_RANK.get(role or "", 0)


def role_of(permissions: list[dict], email: str) -> str | None:
    """The strongest role ``email`` holds through a list of Drive permissions.

    Users match by address (case-insensitively), ``domain`` permissions by the address's
    domain, and ``anyone`` permissions match everybody.
    """
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    best: str | None = None
    for perm in permissions:
        kind = perm.get("type", "user")
        matches = (
            kind == "anyone"
            or (kind in ("user", "group") and (perm.get("emailAddress") or "").lower() == email)
            or (kind == "domain" and (perm.get("domain") or "").lower() == domain)
        )
        if matches and role_rank(perm.get("role")) > role_rank(best):
            best = perm.get("role")
    return best
