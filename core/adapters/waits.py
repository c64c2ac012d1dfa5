"""Telling the person while storage makes them wait (a quota refill, a slow answer).

An adapter that must pause before retrying calls :func:`tell` with a Spanish sentence. The
page that started the work listens with :func:`listening` (``ui.session`` shows the
sentence in the page at once); a background thread or a CLI run listens to nothing, and
the sentence is only logged. The listener belongs to the thread's context, so people on
other pages of the same server never see someone else's wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str], None]
_LISTENER: ContextVar[Listener | None] = ContextVar("rrss_wait_listener", default=None)


def tell(message: str) -> None:
    """Say ``message`` to whoever is waiting in this context (never raises)."""
    listener = _LISTENER.get()
    if listener is None:
        logging.getLogger(__name__).info("%s", message)
        return
    try:
        listener(message)
    except Exception:  # a page that cannot show it must not break the retry
        logging.getLogger(__name__).exception("aviso de espera")


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Within this block, :func:`tell` reaches ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
