"""Log-in lock-out: failures counted and audited, an account locked after five, and the
same words for every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_helpers import NOW, count_rows, fail, login_events

from core.adapters.memory import InMemoryRepository
from core.adapters.tabular import Snapshot
from core.domain.errors import AuthenticationFailed, StorageError
from core.domain.ports import Change
from core.services.accounts import LOCK_MINUTES, LOGIN_FAILED, MAX_FAILED_LOGINS, authenticate
from sheets_schema.demo import DEMO_PASSWORD

# -- log-in lock-out ---------------------------------------------------------------------------


def test_each_failure_is_counted_and_audited(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=2)
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert (user.failed_logins, user.locked_until) == (2, None)
    assert login_events(repo, "jefe.ugs") == [
        ("login_fallido", f"intento fallido 1 de {MAX_FAILED_LOGINS}"),
        ("login_fallido", f"intento fallido 2 de {MAX_FAILED_LOGINS}"),
    ]


def test_five_failures_lock_the_account_for_fifteen_minutes(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert user.locked_until == NOW + timedelta(minutes=LOCK_MINUTES)
    outcomes = [outcome for outcome, _ in login_events(repo, "jefe.ugs")]
    assert outcomes == ["login_fallido"] * MAX_FAILED_LOGINS + ["bloqueo"]
    events = [e for _, e in repo.snapshot().ledger.events if e.subject == "jefe.ugs"]
    assert [e.seq for e in events] == list(range(1, MAX_FAILED_LOGINS + 2))
    assert all(e.hash for e in events)  # chained like every event


def test_a_locked_account_refuses_even_the_right_password_with_the_same_words(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    before = count_rows(repo)
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW + timedelta(minutes=14))
    assert caught.value.message == LOGIN_FAILED
    fail(repo, "jefe.ugs", NOW + timedelta(minutes=14, seconds=59))
    assert count_rows(repo) == before  # attempts during a lock write nothing more


def test_when_the_lock_expires_the_right_password_works_and_clears_it(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    later = NOW + timedelta(minutes=LOCK_MINUTES)
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=later).username == "jefe.ugs"
    user = repo.snapshot().ledger.users["jefe.ugs"]
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_success_resets_the_count_so_failures_must_be_in_a_row(
        repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS - 1)
    authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW)
    assert repo.snapshot().ledger.users["jefe.ugs"].failed_logins == 0
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS - 1)
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW).username == "jefe.ugs"


def test_a_success_with_nothing_to_reset_writes_nothing(repo: InMemoryRepository) -> None:
    commits = repo.commits
    authenticate(repo, "jefe.ugs", DEMO_PASSWORD, now=NOW)
    assert repo.commits == commits


@pytest.mark.parametrize("username", ["nadie", "x" * 500, "ex.directora", "Robert'); --"])
def test_unknown_and_deactivated_names_get_the_same_answer_and_write_nothing(
        repo: InMemoryRepository, username: str) -> None:
    before = count_rows(repo)
    fail(repo, username, NOW, times=MAX_FAILED_LOGINS + 3)
    assert count_rows(repo) == before  # no rows for names anyone can make up


def test_a_lock_is_per_account(repo: InMemoryRepository) -> None:
    fail(repo, "jefe.ugs", NOW, times=MAX_FAILED_LOGINS)
    assert authenticate(repo, "directora", DEMO_PASSWORD, now=NOW).username == "directora"


def test_without_a_clock_the_old_callers_still_log_in_and_nothing_is_counted(
        repo: InMemoryRepository) -> None:
    before = count_rows(repo)
    with pytest.raises(AuthenticationFailed):
        authenticate(repo, "jefe.ugs", "mala")
    assert count_rows(repo) == before
    assert authenticate(repo, "jefe.ugs", DEMO_PASSWORD).username == "jefe.ugs"


class ReadOnly:
    """A ledger that can be read but not written (a locked workbook, a quota error)."""

    def __init__(self, repo: InMemoryRepository) -> None:
        self._repo = repo

    def snapshot(self) -> Snapshot:
        return self._repo.snapshot()

    def commit(self, change: Change) -> Snapshot:
        raise StorageError("El libro está abierto en otro programa; no se guardó nada.")


def test_a_failure_that_cannot_be_recorded_is_still_the_same_refusal(
        repo: InMemoryRepository) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        authenticate(ReadOnly(repo), "jefe.ugs", "mala", now=NOW)  # type: ignore[arg-type]
    assert caught.value.message == LOGIN_FAILED
