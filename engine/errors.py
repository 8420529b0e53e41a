"""The one error hierarchy of EcoLoop.

Services raise these; ``web/errors.py`` maps them to HTTP once (404, 403, 409,
422, 400, 413, 503). Messages are meant for the person who caused the error:
they name the task, field or element that is wrong.
"""

from __future__ import annotations


class EcoLoopError(Exception):
    """Base class: every error a service raises on purpose."""

    def __init__(self, message: str, *, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(EcoLoopError):
    """The object does not exist, or lies outside the actor's scope (never say which)."""


class TaskNotFound(NotFound):
    pass


class InstanceNotFound(NotFound):
    pass


class ProcessNotFound(NotFound):
    pass


class AttachmentNotFound(NotFound):
    pass


class NotAllowed(EcoLoopError):
    """The actor sees the object but its role may not perform this action on it."""


class Conflict(EcoLoopError):
    """The object changed under the actor: a task already finished, a stale version."""


class PreconditionFailed(Conflict):
    """An ``If-Match`` version did not match the current one."""


class InvalidInput(EcoLoopError):
    """Input that cannot be accepted; ``details['fields']`` maps field names to messages."""

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, details={"fields": fields or {}})
        self.fields = fields or {}


class InvalidForm(InvalidInput):
    """Form data that does not satisfy the task's form definition."""


class InvalidModel(EcoLoopError):
    """A BPMN model (or its forms) that may not be deployed; the message names the problem."""


class InvalidFile(EcoLoopError):
    """An uploaded file of a type that is not accepted or that is damaged."""


class FileTooLarge(InvalidFile):
    pass


class AuthenticationFailed(EcoLoopError):
    """Wrong user name or password, or a disabled account (never say which to the client)."""


class AccountLocked(AuthenticationFailed):
    pass


class DirectoryUnavailable(EcoLoopError):
    """No directory server answered."""


class StorageUnavailable(EcoLoopError):
    """The evidence store (an object store) did not answer or refused the operation."""


class InvalidIdentity(EcoLoopError):
    """The directory returned a region or credit code that EcoLoop cannot accept."""
