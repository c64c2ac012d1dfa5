"""Domain errors: one base class, each carrying a Spanish message for people.

The entry point shows ``str(error)``; nothing here is meant to leak a stack trace.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the app explains to a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The actor's role does not permit this action."""


class TransitionNotAllowed(DomainError):
    """The action does not exist at the request's current stage."""


class RequestClosed(DomainError):
    """The request is already published or rejected."""


class CommentRequired(DomainError):
    """A return or rejection needs the reviewer's reasons."""


class InvalidInput(DomainError):
    """A form value is missing or malformed."""


class NotFound(DomainError):
    """The request, user or row does not exist."""


class ConcurrentChange(DomainError):
    """Someone else acted first; the action was not written."""

    def __init__(self, message: str = "Otra persona ya actuó sobre esta solicitud. "
                 "Se muestra el estado actual; revise y vuelva a intentar.") -> None:
        super().__init__(message)


class StorageError(DomainError):
    """The ledger could not be read or written; nothing was half-written."""


class UncertainWrite(StorageError):
    """The store did not answer a write: it may or may not have been applied."""


class FileStoreError(StorageError):
    """A file of the material could not be stored or read; nothing was half-recorded."""


class LedgerLocked(StorageError):
    """The workbook is open in another program or held by another writer."""


class InvalidDefinition(DomainError):
    """A procedure table or ledger schema is malformed."""


class AuthenticationFailed(DomainError):
    """Wrong user name or password (never says which)."""
