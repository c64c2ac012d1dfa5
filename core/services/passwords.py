"""Password hashing with bcrypt; the only place that sees a plain password."""

from __future__ import annotations

import functools
import os

import bcrypt

MIN_PASSWORD_LENGTH = 8


def _rounds() -> int:
    # Tests lower the cost through the environment; production keeps bcrypt's default 12.
    return max(4, min(16, int(os.environ.get("RRSS_BCRYPT_ROUNDS", "12"))))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    if not hashed:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


@functools.cache
def _dummy_hash() -> str:
    # Same cost as real hashes, so an unknown user name takes as long as a wrong password.
    return hash_password("no-such-user-password")


def burn_time(password: str) -> None:
    verify_password(password, _dummy_hash())
