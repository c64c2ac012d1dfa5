"""Telling the person while storage makes them wait (a quota refill, a slow answer).

An adapter that must pause before retrying calls :func:`tell` with a Spanish sentence and
how long it will wait. The Streamlit script run listens with :func:`listening` (``app.py``
through ``ui.session``, for the whole run: page views, actions, widget callbacks) and
shows the sentence at once, for as long as the wait lasts; a background thread or a CLI
run listens to nothing, and the sentence is only logged. The listener belongs to the
thread's context, so people on other pages of the same server never see someone else's
wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Wait:
    """One pause: what the person reads, and the seconds before the next attempt."""

    message: str
    seconds: float = 0.0


Listener = Callable[[Wait], None]
_LISTENER: ContextVar[Listener | None] = ContextVar("rrss_wait_listener", default=None)


def tell(message: str, seconds: float = 0.0) -> None:
    """Say ``message`` to whoever is waiting in this context (never raises)."""
    listener = _LISTENER.get()
    if listener is None:
        logging.getLogger(__name__).info("%s", message)
        return
    try:
        listener(Wait(message, seconds))
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
