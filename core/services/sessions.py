"""What a session token may say about an account without carrying its secret.

A token that outlives a reload (ui.auth) is tied to the account's current password: a
short digest of the stored hash goes into it, so that a new password ends every session.
The digest is computed here so that no page or UI module ever reads the hash itself.
"""

from __future__ import annotations

import hashlib

from core.domain.models import User

FINGERPRINT_CHARS = 16


def credential_fingerprint(user: User) -> str:
    """A short, one-way digest of ``user``'s stored password hash."""
    digest = hashlib.sha256(b"rrss-sesion\0" + user.password_hash.encode("utf-8"))
    return digest.hexdigest()[:FINGERPRINT_CHARS]
