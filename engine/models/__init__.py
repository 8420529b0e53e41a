"""The persistent data model; importing this package registers every table on ``Base.metadata``."""

from engine.models.attachment import Attachment, TaskAttachment
from engine.models.audit import AuditChainHead, AuditEvent
from engine.models.config import ProcessConfig
from engine.models.instance import InstanceStatus, ProcessInstance
from engine.models.process import ProcessModel
from engine.models.task import HumanTask, NoteKind, TaskNote, TaskStatus
from engine.models.user import LocalUser

__all__ = [
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "HumanTask",
    "InstanceStatus",
    "LocalUser",
    "NoteKind",
    "ProcessConfig",
    "ProcessInstance",
    "ProcessModel",
    "TaskAttachment",
    "TaskNote",
    "TaskStatus",
]
