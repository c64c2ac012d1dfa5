"""Google's error envelope, so adapters are tested against the bodies they will really see."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}

DEFAULT_MESSAGES = {
    401: (
        "Request is missing required authentication credential. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential."
    ),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class ApiError(Exception):
    """An error answer: HTTP status plus Google's ``{"error": {...}}`` body."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.code = code
        self.errors = errors
        self.message = message if message is not None else DEFAULT_MESSAGES.get(code, "Error")
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        self.headers: dict[str, str] = {}  # extra response headers (e.g. Retry-After)
        super().__init__(f"{code} {self.status}: {self.message}")

    @classmethod
    def invalid(cls, message: str, field: str | None = None) -> ApiError:
        """400 INVALID_ARGUMENT; with ``field`` it carries a BadRequest detail like Google's."""
        details = None
        if field is not None:
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": field, "description": message}],
                }
            ]
        return cls(400, message, details=details)

    def body(self) -> dict[str, Any]:
        """The JSON body Google returns for this error (Drive v3's shape when ``errors``)."""
        if self.errors is not None:
            return {"error": {"code": self.code, "message": self.message, "errors": self.errors}}
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


@contextlib.contextmanager
def naming_item(label: str) -> Iterator[None]:
    """Prefix a 400 raised while handling one item of a batch, as Google names the failing
    item ("Invalid data[2]: ...", "Invalid requests[0].updateCells: ...")."""
    try:
        yield
    except ApiError as err:
        if err.code == 400 and not err.message.startswith("Invalid "):
            err.message = f"Invalid {label}: {err.message}"
            for detail in err.details or []:
                for violation in detail.get("fieldViolations") or []:
                    violation["description"] = err.message
        raise
