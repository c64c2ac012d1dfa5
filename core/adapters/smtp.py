"""The SMTP implementation of :class:`core.domain.ports.Mailer` (smtplib, plain-text mail).

Every failure is wrapped in :class:`core.domain.ports.MailError` with a Spanish message that
keeps the server's own words, so the outbox page can show what went wrong.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from core.domain.ports import MailError

DEFAULT_PORT = 587
DEFAULT_TIMEOUT = 10.0


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


def _server_words(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}".strip()


def _single_address(to: str) -> str:
    """The one address in ``to``; refuses lists and header tricks."""
    _, address = parseaddr(to)
    if not address or "@" not in address or any(c in to for c in "\r\n,;"):
        raise MailError(f"La dirección «{to}» no es válida.", permanent=True)
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        raise MailError(f"La dirección «{to}» no es válida.", permanent=True) from None
    return address


class _Sender:
    def __init__(self, client: smtplib.SMTP, settings: SmtpSettings) -> None:
        self._client = client
        self._settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        address = _single_address(to)
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = address
        message["Subject"] = " ".join(subject.split())  # no line breaks in a header
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self._settings.sender.rpartition("@")[2]
                                           or None)
        message.set_content(body)
        try:
            refused = self._client.send_message(message, from_addr=self._settings.sender,
                                                to_addrs=[address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, words = next(iter(exc.recipients.values()), (0, b""))
            text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
            raise MailError(f"El servidor SMTP rechazó al destinatario {address}: {code} "
                            f"{text}", permanent=500 <= code < 600) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"El servidor SMTP no aceptó el correo: {_server_words(exc)}",
                            permanent=500 <= exc.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"Se perdió la conexión con el servidor SMTP: {exc}") from None
        if refused:
            raise MailError(f"El servidor SMTP rechazó al destinatario {address}: {refused}",
                            permanent=True)


class SmtpMailer:
    """Sends through one SMTP server; one connection per batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def describe(self) -> str:
        s = self.settings
        security = "TLS" if s.implicit_tls else ("STARTTLS" if s.starttls else "sin cifrado")
        login = f", usuario {s.user}" if s.user else ""
        return f"{s.host}:{s.port} ({security}{login}), remitente {s.sender}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.starttls and not s.implicit_tls:
                client.starttls(context=context)
                client.ehlo()
            if s.user:
                client.login(s.user, s.password)
        except BaseException:
            with suppress(Exception):
                client.close()
            raise
        return client

    @contextmanager
    def session(self) -> Iterator[_Sender]:
        s = self.settings
        try:
            client = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError("El servidor SMTP rechazó el usuario o la contraseña "
                            f"(RRSS_SMTP_USER): {_server_words(exc)}") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(f"El servidor SMTP {s.host}:{s.port} no ofrece STARTTLS; "
                            "use RRSS_SMTP_STARTTLS=0 solo en una red local de confianza."
                            ) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"El servidor SMTP {s.host}:{s.port} respondió con un error: "
                            f"{_server_words(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"No se pudo conectar con el servidor SMTP {s.host}:{s.port}: "
                            f"{exc}") from None
        try:
            yield _Sender(client, s)
        finally:
            with suppress(Exception):
                client.quit()
            with suppress(Exception):
                client.close()


def mailer_from_env(env: Mapping[str, str] | None = None) -> SmtpMailer | None:
    """The configured mailer, or None when ``RRSS_SMTP_HOST`` is not set."""
    settings = SmtpSettings.from_env(os.environ if env is None else env)
    return SmtpMailer(settings) if settings is not None else None
