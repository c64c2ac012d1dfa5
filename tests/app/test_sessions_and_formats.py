"""The session token that survives a reload (ui.auth) and the formats people read (ui.formats).

The browser side (the cookie written, a reload, «Cerrar sesión») is in
tests/e2e/test_daily_use_browser.py; here the rules: signed, expiring, ended for good, tied to the
password, and a key that is configured or generated once, readable only by its owner.
"""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from core.domain.models import User
from core.domain.roles import Role
from ui import auth, formats

NOW = datetime(2026, 3, 10, 9, 0)
HOUR = timedelta(minutes=60)


def person(secret: str = "$2b$04$hash") -> User:
    return User.model_validate({"username": "jefe.ugs", "full_name": "Rosa Condori",
                                "roles": (Role.UGS_HEAD,), "password_hash": secret,
                                "created_at": NOW})


def sessions(tmp_path: Path, key: bytes = b"k" * 40) -> auth.Sessions:
    return auth.Sessions(key, tmp_path / "cerradas", HOUR)


def test_a_token_names_its_user_and_session_and_survives_a_reload_within_the_hour(
        tmp_path: Path) -> None:
    signer = sessions(tmp_path)
    token = signer.issue(person(), "sesion-1", NOW)
    claims = signer.valid_for(token, person(), NOW + timedelta(minutes=59))
    assert claims is not None and (claims.username, claims.sid) == ("jefe.ugs", "sesion-1")


def test_after_an_hour_without_a_new_signature_the_token_is_refused(tmp_path: Path) -> None:
    signer = sessions(tmp_path)
    token = signer.issue(person(), "sesion-1", NOW)
    assert signer.read(token, NOW + timedelta(minutes=61)) is None
    assert signer.read(token, NOW - timedelta(minutes=1)) is None  # signed in the future


def test_a_token_edited_or_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    token = sessions(tmp_path).issue(person(), "sesion-1", NOW)
    assert sessions(tmp_path, b"otra" * 10).read(token, NOW) is None
    assert sessions(tmp_path).read(token[:-2] + "xx", NOW) is None
    assert sessions(tmp_path).read("", NOW) is None


def test_a_new_password_or_another_user_makes_the_token_worthless(tmp_path: Path) -> None:
    signer = sessions(tmp_path)
    token = signer.issue(person(), "sesion-1", NOW)
    assert signer.valid_for(token, person("$2b$04$otra"), NOW) is None
    other = person().model_copy(update={"username": "directora"})
    assert signer.valid_for(token, other, NOW) is None
    assert signer.valid_for(token, person().model_copy(update={"active": False}), NOW) is None


def test_a_closed_session_stays_closed_for_every_process_that_shares_the_list(
        tmp_path: Path) -> None:
    first, second = sessions(tmp_path), sessions(tmp_path)
    token = first.issue(person(), "sesion-1", NOW)
    other = first.issue(person(), "sesion-2", NOW)
    first.end("sesion-1", NOW)
    assert second.read(token, NOW + timedelta(minutes=1)) is None
    assert second.read(other, NOW + timedelta(minutes=1)) is not None
    assert stat.S_IMODE((tmp_path / "cerradas").stat().st_mode) == 0o600


def test_without_a_configured_key_one_is_generated_once_readable_only_by_its_owner(
        tmp_path: Path) -> None:
    assert auth.local_key(auth.key_file(tmp_path / "falta" / "ledger.xlsx"))
    assert not (tmp_path / "falta").exists()  # a mistyped folder is never created
    path = auth.key_file(tmp_path / "ledger.xlsx")
    assert path.name == ".ledger.xlsx.session-key"
    first = auth.local_key(path)
    assert len(first) >= 32 and auth.local_key(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_configured_key_comes_first() -> None:
    assert auth.configured_key({"RRSS_SESSION_KEY": "  clave-de-produccion  "}) == (
        "clave-de-produccion")


def test_the_cookie_script_sets_a_strict_expiring_cookie_and_clears_it() -> None:
    script = auth._script("abc.def", 3600)
    assert "rrss_sesion=abc.def; Path=/; Max-Age=3600; SameSite=Strict" in script
    assert "Secure" in script  # added when the page is served over https
    assert "Max-Age=0" in auth._script("", 0)


# -- formats ------------------------------------------------------------------------------------


def test_amounts_dates_and_times_read_as_in_bolivia() -> None:
    assert formats.money(1500) == "Bs 1.500,00"
    assert formats.money(1234567.5) == "Bs 1.234.567,50"
    assert formats.money(None) == "—"
    assert formats.day(date(2026, 3, 5)) == "05/03/2026"
    assert formats.stamp(datetime(2026, 3, 5, 17, 4)) == "05/03/2026 17:04"
    assert formats.cell(None) == formats.cell("") == "—"
    assert formats.cell(2.5) == "2,5" and formats.cell(3.0) == "3"


def test_a_table_shows_no_none_and_no_iso_timestamps() -> None:
    frame = pd.DataFrame({"Desde": [datetime(2026, 3, 5, 8, 30), None],
                          "Días": [1.5, None], "Cantidad": [1, 2]})
    shown = formats.readable(frame)
    assert shown["Desde"].tolist() == ["05/03/2026 08:30", "—"]
    assert shown["Días"].tolist() == ["1,5", "—"]
    assert shown["Cantidad"].tolist() == [1, 2]
