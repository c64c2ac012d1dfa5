"""Pausing the garbage collector while the ledger's view is built.

Building the typed view of a large ledger creates hundreds of thousands of small objects
that all stay alive; CPython's collector keeps scanning them mid-build for nothing (about
a fifth of a cold load of 20,000 events). The collector is process-wide and Streamlit
serves sessions in threads, so pauses are counted: it runs again when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
