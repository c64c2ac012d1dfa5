"""Log-in lock-out: five failures lock a name for fifteen minutes, whatever the ledger can
do; parallel guesses get five tries at most; an unknown name is treated exactly like a
real one; a locked person reads what happens next; failures of real accounts are audited."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from core_helpers import NOW, count_rows, login_events

from core.adapters.guard_file import GuardFile
from core.adapters.memory import InMemoryRepository
from core.adapters.workbook.repository import WorkbookRepository
from core.domain.errors import AuthenticationFailed
from core.services import accounts
from core.services.accounts import (
    LOCK_MINUTES,
    LOGIN_FAILED,
    MAX_FAILED_LOGINS,
    LoginGuard,
    authenticate,
    locked_message,
)
from core.services.administration import reset_password
from sheets_schema.demo import DEMO_PASSWORD

UNTIL = NOW + timedelta(minutes=LOCK_MINUTES)


def refused(repo: object, guard: LoginGuard, username: str, password: str = "equivocada",
            when: object = NOW) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(repo, username, password, now=when, guard=guard)  # type: ignore[arg-type]
    return caught.value.message


@pytest.fixture
def guard() -> LoginGuard:
    return LoginGuard()


def test_each_failure_is_counted_and_audited(repo: InMemoryRepository, guard: LoginGuard
                                             ) -> None:
    assert [refused(repo, guard, "jefe.ugs") for _ in range(2)] == [LOGIN_FAILED] * 2
    assert guard.failures("jefe.ugs") == 2
    assert login_events(repo, "jefe.ugs") == [
        ("login_fallido", f"intento fallido 1 de {MAX_FAILED_LOGINS}"),
        ("login_fallido", f"intento fallido 2 de {MAX_FAILED_LOGINS}"),
    ]


def test_five_failures_lock_the_name_and_say_until_when(repo: InMemoryRepository,
                                                        guard: LoginGuard) -> None:
    answers = [refused(repo, guard, "jefe.ugs") for _ in range(MAX_FAILED_LOGINS)]
    assert answers == [LOGIN_FAILED] * (MAX_FAILED_LOGINS - 1) + [locked_message(UNTIL)]
    assert guard.locked_until("jefe.ugs", NOW, _fingerprint(repo, "jefe.ugs")) == UNTIL
    outcomes = [outcome for outcome, _ in login_events(repo, "jefe.ugs")]
    assert outcomes == ["login_fallido"] * MAX_FAILED_LOGINS + ["bloqueo"]
    assert "espere hasta las 09:15 del 10/03/2026" in locked_message(UNTIL)


def test_a_locked_name_refuses_even_the_right_password(repo: InMemoryRepository,
                                                       guard: LoginGuard) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        refused(repo, guard, "jefe.ugs")
    assert refused(repo, guard, "jefe.ugs", DEMO_PASSWORD) == locked_message(UNTIL)
    later = UNTIL + timedelta(seconds=1)
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=later, guard=guard).username \
        == "jefe.ugs"
    assert guard.failures("jefe.ugs") == 0


def test_a_success_resets_the_count_so_failures_must_be_in_a_row(
        repo: InMemoryRepository, guard: LoginGuard) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        refused(repo, guard, "jefe.ugs")
    authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW, guard=guard)
    assert refused(repo, guard, "jefe.ugs") == LOGIN_FAILED
    assert guard.failures("jefe.ugs") == 1


def test_a_success_writes_nothing(repo: InMemoryRepository, guard: LoginGuard) -> None:
    before = count_rows(repo)
    authenticate(repo, "editor", DEMO_PASSWORD, now=NOW, guard=guard)
    assert count_rows(repo) == before


def test_an_unknown_name_is_counted_and_locked_like_a_real_one_and_writes_nothing(
        repo: InMemoryRepository, guard: LoginGuard) -> None:
    before = count_rows(repo)
    real = [refused(repo, guard, "jefe.ugs") for _ in range(MAX_FAILED_LOGINS + 1)]
    invented = [refused(repo, guard, "nadie.existe") for _ in range(MAX_FAILED_LOGINS + 1)]
    deactivated = [refused(repo, guard, "ex.directora", DEMO_PASSWORD)
                   for _ in range(MAX_FAILED_LOGINS + 1)]
    assert real == invented == deactivated
    assert [c for _, c in count_rows(repo).items()] != [c for _, c in before.items()]
    assert login_events(repo, "nadie.existe") == []


def test_a_reset_password_lifts_the_lock(repo: InMemoryRepository, guard: LoginGuard) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        refused(repo, guard, "editor")
    new = reset_password(repo, "admin", "editor", NOW)
    assert authenticate(repo, "editor", new, now=NOW, guard=guard).username == "editor"


def test_a_lock_is_per_name(repo: InMemoryRepository, guard: LoginGuard) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        refused(repo, guard, "jefe.ugs")
    assert authenticate(repo, "editor", DEMO_PASSWORD, now=NOW, guard=guard).username \
        == "editor"


def test_eight_threads_guessing_in_parallel_get_five_checks_at_most(
        repo: InMemoryRepository, guard: LoginGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[str] = []
    real = accounts.verify_password

    def counted(password: str, hashed: str) -> bool:
        checks.append(password)
        return real(password, hashed)

    monkeypatch.setattr(accounts, "verify_password", counted)
    start = threading.Barrier(8)

    def guess(number: int) -> None:
        start.wait()
        for attempt in range(6):
            with contextlib.suppress(AuthenticationFailed):
                authenticate(repo, "jefe.ugs", f"adivina-{number}-{attempt}", now=NOW,
                             guard=guard)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == MAX_FAILED_LOGINS
    assert refused(repo, guard, "jefe.ugs", DEMO_PASSWORD) == locked_message(UNTIL)


def test_every_refusal_costs_one_bcrypt_check_real_name_or_not(
        repo: InMemoryRepository, guard: LoginGuard, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(accounts, "verify_password",
                        lambda password, hashed: calls.append("verify") is None and False)
    monkeypatch.setattr(accounts, "burn_time", lambda password: calls.append("burn"))
    for name in ("jefe.ugs", "nadie.existe", "ex.directora"):
        calls.clear()
        refused(repo, guard, name)
        assert len(calls) == 1, name


def test_failures_count_while_the_workbook_cannot_be_written(
        workbook: WorkbookRepository, guard: LoginGuard) -> None:
    office = workbook.path.with_name(f".~lock.{workbook.path.name}#")
    office.write_text("Persona en LibreOffice,pc,", encoding="utf-8")
    answers = [refused(workbook, guard, "jefe.ugs") for _ in range(MAX_FAILED_LOGINS)]
    assert answers[-1] == locked_message(UNTIL)
    assert refused(workbook, guard, "jefe.ugs", DEMO_PASSWORD) == locked_message(UNTIL)
    assert login_events(workbook, "jefe.ugs") == []  # nothing could be written, yet locked


def test_a_restart_does_not_hand_out_five_more_tries(repo: InMemoryRepository,
                                                     tmp_path: Path) -> None:
    store = GuardFile(tmp_path / "guard.json")
    first = LoginGuard(store)
    for _ in range(MAX_FAILED_LOGINS):
        refused(repo, first, "jefe.ugs")
    restarted = LoginGuard(GuardFile(tmp_path / "guard.json"))
    assert refused(repo, restarted, "jefe.ugs", DEMO_PASSWORD) == locked_message(UNTIL)
    assert (tmp_path / "guard.json").stat().st_mode & 0o077 == 0


def test_a_damaged_guard_file_starts_counting_again_instead_of_failing(
        repo: InMemoryRepository, tmp_path: Path) -> None:
    (tmp_path / "guard.json").write_text("{roto", encoding="utf-8")
    guard = LoginGuard(GuardFile(tmp_path / "guard.json"))
    assert refused(repo, guard, "jefe.ugs") == LOGIN_FAILED


def _fingerprint(repo: InMemoryRepository, username: str) -> str:
    from core.domain.accounts import fingerprint

    return fingerprint(repo.snapshot().ledger.users[username].password_hash)
