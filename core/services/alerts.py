"""Mails for events outside the procedures: crises (5 f), deletion orders (6 a) and
questions from the public about to miss their 15 minutes (5 e).

Like a transition's mails (core.services.notifications), they are rows of the outbox
added to the action's own change: the action and its mails are written together or not
at all, and the action never waits on SMTP. Who hears of a crisis or a deletion order is
asked of the permission matrix: whoever may order deletions (the DE) and whoever leads
crises (the UGS head); the administrator who carries an order out hears of it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.domain.ledger import Ledger
from core.domain.models import MAX_CELL_CHARS, OutboxMail, User
from core.domain.permissions import Capability
from core.domain.ports import Change
from core.services.notifications import FOOTER, SUBJECT_PREFIX, outbox_ready

MANAGERS = (Capability.ORDER_DELETION, Capability.LEAD_CRISIS)


def holders(ledger: Ledger, capabilities: Iterable[str]) -> list[User]:
    """Active users holding any of ``capabilities``, with an address, by user name."""
    wanted = tuple(capabilities)
    return sorted((u for u in ledger.users.values() if u.active and u.email.strip()
                   and any(ledger.permissions.can(u, c) for c in wanted)),
                  key=lambda u: u.username)


def queue(change: Change, ledger: Ledger, people: Iterable[User], key: str, at: datetime,
          subject: str, lines: Iterable[str]) -> int:
    """One mail per person (id ``<key>-<user>``) added to ``change``; how many."""
    if not outbox_ready(ledger):
        return 0
    text = "\n".join(lines)
    mails = [OutboxMail(mail_id=f"{key}-{user.username}", created_at=at, to=user.email.strip(),
                        subject=f"{SUBJECT_PREFIX} {subject}"[:500],
                        body=f"{user.full_name}:\n\n{text}\n\n{FOOTER}"[:MAX_CELL_CHARS])
             for user in people]
    change.add(*mails)
    return len(mails)


def tell_managers(change: Change, ledger: Ledger, key: str, at: datetime, subject: str,
                  lines: Iterable[str], also: Iterable[str] = (),
                  exclude: Iterable[str] = ()) -> int:
    """Mail the DE and the UGS head (and holders of ``also``) about a crisis or an order;
    not the user names in ``exclude`` (who get a mail of their own in the same change)."""
    left_out = set(exclude)
    people = [u for u in holders(ledger, (*MANAGERS, *also)) if u.username not in left_out]
    return queue(change, ledger, people, key, at, subject, lines)
