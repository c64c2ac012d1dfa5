"""Google's per-minute Sheets quotas: per user (per project) and per project.

Google meters read and write requests separately, in a rolling minute, twice over: 60 per
minute for each user of a project and 300 per minute for the whole project. An app server
with one service account meets the per-user limit; several app servers (or a person's
script) sharing one Cloud project meet the per-project one, with a different message.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import NamedTuple

from .errors import ApiError
from .identity import Identity

WINDOW_SECONDS = 60.0


class QuotaLimits(NamedTuple):
    """Requests allowed per rolling minute (Google's defaults).

    ``read``/``write`` are per user per project, ``project_read``/``project_write`` per
    project. Google's Sheets 429 answers carry no ``Retry-After`` header; set
    ``retry_after=True`` to add one (seconds until the window frees a slot) when testing a
    client that would honour it.
    """

    read: int = 60
    write: int = 60
    project_read: int = 300
    project_write: int = 300
    retry_after: bool = False


def as_limits(value: QuotaLimits | tuple[int, ...] | None) -> QuotaLimits | None:
    """Accept the older ``(read, write)`` tuple form."""
    if value is None or isinstance(value, QuotaLimits):
        return value
    return QuotaLimits(*value)


def quota_message(kind: str, scope: str, project: str) -> str:
    """The 429 text for the read or write quota, per user or per project."""
    label = "Read" if kind == "read" else "Write"
    limit = f"{label} requests per minute" + (" per user" if scope == "user" else "")
    return (
        f"Quota exceeded for quota metric '{label} requests' and limit '{limit}' of service "
        f"'sheets.googleapis.com' for consumer 'project_number:{project}'."
    )


def quota_error(
    kind: str, scope: str = "user", project: str = "000000000000", limit: int | None = None
) -> ApiError:
    """429 RESOURCE_EXHAUSTED with Google's ErrorInfo detail."""
    label = "Read" if kind == "read" else "Write"
    per = "PerUser" if scope == "user" else "PerProject"
    metadata = {
        "quota_metric": f"sheets.googleapis.com/{kind}_requests",
        "quota_limit": f"{label}RequestsPerMinute{per}",
        "service": "sheets.googleapis.com",
        "consumer": f"projects/{project}",
        "quota_location": "global",
        "quota_unit": "1/min/{project}/{user}" if scope == "user" else "1/min/{project}",
    }
    if limit is not None:
        metadata["quota_limit_value"] = str(limit)
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": metadata,
        }
    ]
    return ApiError(429, quota_message(kind, scope, project), details=details)


class QuotaMeter:
    """Rolling one-minute windows of accepted requests, per user and per project."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, ...], deque[float]] = {}

    def reset(self) -> None:
        """Forget every window (e.g. after test setup)."""
        with self._lock:
            self._hits.clear()

    def take(self, limits: QuotaLimits, kind: str, caller: Identity, now: float) -> None:
        """Count one ``kind`` ("read"/"write") request or raise Google's 429."""
        user_limit = limits.read if kind == "read" else limits.write
        project_limit = limits.project_read if kind == "read" else limits.project_write
        windows = [
            ("user", user_limit, (kind, caller.project, caller.email.lower())),
            ("project", project_limit, (kind, caller.project)),
        ]
        with self._lock:
            for scope, limit, key in windows:
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - WINDOW_SECONDS:
                    hits.popleft()
                if len(hits) >= limit:
                    err = quota_error(kind, scope, caller.project, limit)
                    if limits.retry_after and hits:
                        wait = max(1, math.ceil(hits[0] + WINDOW_SECONDS - now))
                        err.headers = {"Retry-After": str(wait)}
                    raise err
            for _, _, key in windows:
                self._hits[key].append(now)
