"""Password hashing with bcrypt; the only place that sees a plain password."""

from __future__ import annotations

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


# A valid hash to compare against when the user does not exist, so that timing does not
# reveal which user names exist.
_DUMMY_HASH = "$2b$04$C6UzMDM.H6dfI/f/IKcEeO5Wz3aYnE3mqL7eYGZ0rJ3yV8x1lqY4a"


def burn_time(password: str) -> None:
    verify_password(password, _DUMMY_HASH)
