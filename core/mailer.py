"""Sending e-mail, as an interface: the notifications talk to a :class:`Mailer`.

The SMTP implementation lives in :mod:`core.adapters.smtp`; tests can pass any object with
the same shape. Settings come from the environment (read by the caller and handed in as a
mapping, so this module stays free of I/O):

``RRSS_SMTP_HOST`` (no host: no sending, mails wait in the outbox tab), ``RRSS_SMTP_PORT``
(default 587), ``RRSS_SMTP_USER`` / ``RRSS_SMTP_PASSWORD`` (log in only when a user is
given), ``RRSS_SMTP_FROM`` (sender address, default the user), ``RRSS_SMTP_STARTTLS``
(``1`` by default; ``0`` for a relay on the local network without TLS; port 465 uses
implicit TLS), ``RRSS_SMTP_TIMEOUT`` (seconds per connection, default 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_PORT = 587
DEFAULT_TIMEOUT = 10.0


class MailError(Exception):
    """A mail could not be handed to the server; ``message`` says why, for people."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent  # retrying cannot help (e.g. the recipient is refused)


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one plain-text mail to the server, or raise :class:`MailError`."""
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSender]:
        """One connection for a batch of mails; raises :class:`MailError` when it fails."""
        ...

    def describe(self) -> str:
        """Where mail goes, for the outbox page (never the password)."""
        ...


def _flag(text: str | None, default: bool) -> bool:
    if text is None or not text.strip():
        return default
    return text.strip().lower() not in ("0", "no", "false", "falso")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = DEFAULT_PORT
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = True
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """The settings in ``env``; None when no host is configured (mail stays queued)."""
        host = env.get("RRSS_SMTP_HOST", "").strip()
        if not host:
            return None
        port_text = env.get("RRSS_SMTP_PORT", "").strip()
        timeout_text = env.get("RRSS_SMTP_TIMEOUT", "").strip()
        try:
            port = int(port_text) if port_text else DEFAULT_PORT
            timeout = float(timeout_text) if timeout_text else DEFAULT_TIMEOUT
        except ValueError:
            raise ValueError("RRSS_SMTP_PORT y RRSS_SMTP_TIMEOUT deben ser números") from None
        user = env.get("RRSS_SMTP_USER", "").strip()
        sender = env.get("RRSS_SMTP_FROM", "").strip() or user
        if not sender:
            raise ValueError("falta RRSS_SMTP_FROM (la dirección remitente)")
        return cls(host=host, port=port, user=user,
                   password=env.get("RRSS_SMTP_PASSWORD", ""), sender=sender,
                   starttls=_flag(env.get("RRSS_SMTP_STARTTLS"), True), timeout=timeout)

    @property
    def implicit_tls(self) -> bool:
        return self.port == 465
