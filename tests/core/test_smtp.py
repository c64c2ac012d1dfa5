"""The SMTP adapter against a real SMTP server (aiosmtpd) started on 127.0.0.1 by the test.

``LocalSmtpServer`` is also used by the notification and page tests.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.adapters.smtp import SmtpMailer, SmtpSettings, mailer_from_env
from core.domain.ports import MailError

SENDER = "rrss@adsib.gob.bo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return str(self.message.get_content())


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 Buzón inexistente"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Mensaje aceptado"


class LocalSmtpServer:
    """A real SMTP server on a free local port; ``stop()`` makes it an outage."""

    def __init__(self, **options: Any) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self._options = options
        self._controller: Controller | None = None

    def start(self) -> LocalSmtpServer:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      **self._options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse(self, address: str) -> None:
        self.handler.refuse.add(address)

    def env(self, **extra: str) -> dict[str, str]:
        return {"RRSS_SMTP_HOST": "127.0.0.1", "RRSS_SMTP_PORT": str(self.port),
                "RRSS_SMTP_FROM": SENDER, "RRSS_SMTP_STARTTLS": "0",
                "RRSS_SMTP_TIMEOUT": "5", **extra}

    def mailer(self, **extra: str) -> SmtpMailer:
        mailer = mailer_from_env(self.env(**extra))
        assert mailer is not None
        return mailer


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def send(mailer: SmtpMailer, to: str, subject: str = "Asunto", body: str = "Cuerpo") -> None:
    with mailer.session() as sender:
        sender.send(to, subject, body)


# -- settings -------------------------------------------------------------------------------


def test_without_a_host_there_is_no_mailer_and_mail_waits_in_the_outbox() -> None:
    assert mailer_from_env({}) is None
    assert mailer_from_env({"RRSS_SMTP_HOST": "  ", "RRSS_SMTP_FROM": SENDER}) is None


def test_settings_default_to_submission_port_with_starttls() -> None:
    settings = SmtpSettings.from_env({"RRSS_SMTP_HOST": "smtp.adsib.gob.bo",
                                      "RRSS_SMTP_USER": "avisos@adsib.gob.bo",
                                      "RRSS_SMTP_PASSWORD": "s3creta"})
    assert settings is not None
    assert (settings.port, settings.starttls, settings.sender) == (
        587, True, "avisos@adsib.gob.bo")
    assert "s3creta" not in repr(settings)
    assert "s3creta" not in SmtpMailer(settings).describe()


@pytest.mark.parametrize(("env", "words"), [
    ({"RRSS_SMTP_PORT": "veinticinco"}, "deben ser números"),
    ({"RRSS_SMTP_FROM": ""}, "RRSS_SMTP_FROM"),
])
def test_malformed_settings_are_refused_with_the_variable_to_fix(
        env: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        SmtpSettings.from_env({"RRSS_SMTP_HOST": "smtp", "RRSS_SMTP_FROM": SENDER, **env})


# -- sending --------------------------------------------------------------------------------


def test_a_mail_reaches_the_server_with_its_recipient_subject_and_utf8_body(
        smtp_server: LocalSmtpServer) -> None:
    send(smtp_server.mailer(), "jefe.ugs@adsib.gob.bo", "SOL-2026-0001: su acción · ñandú 📣",
         "Vence: 11/03/2026\nTítulo: Año de la educación — 中文 — العربية")
    [mail] = smtp_server.received
    assert mail.mail_from == SENDER
    assert mail.rcpt_tos == ("jefe.ugs@adsib.gob.bo",)
    assert mail.message["To"] == "jefe.ugs@adsib.gob.bo"
    assert mail.subject == "SOL-2026-0001: su acción · ñandú 📣"
    assert "Vence: 11/03/2026" in mail.body
    assert "中文 — العربية" in mail.body


def test_one_connection_carries_a_batch(smtp_server: LocalSmtpServer) -> None:
    with smtp_server.mailer().session() as sender:
        for n in range(3):
            sender.send(f"persona{n}@adsib.gob.bo", f"Aviso {n}", "cuerpo")
    assert [m.rcpt_tos for m in smtp_server.received] == [
        ("persona0@adsib.gob.bo",), ("persona1@adsib.gob.bo",), ("persona2@adsib.gob.bo",)]


def test_a_line_break_in_the_subject_cannot_add_a_header(smtp_server: LocalSmtpServer) -> None:
    send(smtp_server.mailer(), "a@adsib.gob.bo", "Hola\r\nBcc: intruso@example.com")
    [mail] = smtp_server.received
    assert mail.message["Bcc"] is None
    assert mail.rcpt_tos == ("a@adsib.gob.bo",)


@pytest.mark.parametrize("address", [
    "a@adsib.gob.bo, intruso@example.com", "a@adsib.gob.bo\nBcc: x@example.com", "sin-arroba",
    "a@b@c",
])
def test_an_address_that_is_not_exactly_one_mailbox_is_refused_for_good(
        smtp_server: LocalSmtpServer, address: str) -> None:
    with pytest.raises(MailError) as caught:
        send(smtp_server.mailer(), address)
    assert caught.value.permanent
    assert "no es válida" in caught.value.message
    assert smtp_server.received == []


def test_a_recipient_the_server_refuses_is_a_permanent_error_with_the_server_words(
        smtp_server: LocalSmtpServer) -> None:
    smtp_server.refuse("nadie@adsib.gob.bo")
    with pytest.raises(MailError) as caught:
        send(smtp_server.mailer(), "nadie@adsib.gob.bo")
    assert caught.value.permanent
    assert caught.value.message.startswith("El servidor SMTP rechazó al destinatario")
    assert "550" in caught.value.message


def test_a_closed_port_is_a_temporary_error_that_names_the_server() -> None:
    server = LocalSmtpServer()  # never started: nothing listens on its port
    with pytest.raises(MailError) as caught:
        send(server.mailer(), "a@adsib.gob.bo")
    assert not caught.value.permanent
    assert caught.value.message.startswith(
        f"No se pudo conectar con el servidor SMTP 127.0.0.1:{server.port}")


def test_starttls_required_but_not_offered_says_how_to_proceed(
        smtp_server: LocalSmtpServer) -> None:
    with pytest.raises(MailError) as caught:
        send(smtp_server.mailer(RRSS_SMTP_STARTTLS="1"), "a@adsib.gob.bo")
    assert "no ofrece STARTTLS" in caught.value.message
    assert smtp_server.received == []


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login, auth_data.password) == (b"avisos", b"clave-correcta")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer(authenticator=_authenticator, auth_require_tls=False,
                             auth_required=True).start()
    yield server
    server.stop()


AUTH_WITHOUT_TLS = pytest.mark.filterwarnings("ignore:Requiring AUTH:UserWarning")  # 127.0.0.1


@AUTH_WITHOUT_TLS
def test_the_configured_user_logs_in_before_sending(auth_server: LocalSmtpServer) -> None:
    mailer = auth_server.mailer(RRSS_SMTP_USER="avisos", RRSS_SMTP_PASSWORD="clave-correcta")
    send(mailer, "a@adsib.gob.bo")
    assert len(auth_server.received) == 1


@AUTH_WITHOUT_TLS
def test_a_wrong_smtp_password_is_explained_without_showing_it(
        auth_server: LocalSmtpServer) -> None:
    mailer = auth_server.mailer(RRSS_SMTP_USER="avisos", RRSS_SMTP_PASSWORD="equivocada")
    with pytest.raises(MailError) as caught:
        send(mailer, "a@adsib.gob.bo")
    assert caught.value.message.startswith("El servidor SMTP rechazó el usuario o la contraseña")
    assert "equivocada" not in caught.value.message
    assert auth_server.received == []
