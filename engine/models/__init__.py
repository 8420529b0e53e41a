"""The persistent data model; importing this package registers every table on ``Base.metadata``."""

from engine.models.attachment import Attachment, TaskAttachment
from engine.models.archive import ArchivedInstance
from engine.models.audit import AuditChainHead, AuditEvent
from engine.models.calendar import CalendarDay, CalendarSource, CalendarState, CalendarYear, DayKind, ProvisionalDeadline
from engine.models.casework import EmergencyPlanFiling, EnforcementReferral, SupportTicket, TaxReview
from engine.models.config import ProcessConfig
from engine.models.credit import CreditObjection, CreditRating, CreditRepair, PublicNotice, RatingChange
from engine.models.instance import InstanceStatus, ProcessInstance
from engine.models.login_failure import LoginFailure
from engine.models.monitoring import (
    Anomaly,
    AnomalyCase,
    Enterprise,
    Measurement,
    MeasurementRevision,
    MinuteMeasurement,
    MonitoringPoint,
    MonitoringRule,
    PointDowntime,
    PointFactor,
    PointKind,
)
from engine.models.notification import (
    DeliveryStatus,
    Notification,
    NotificationCursor,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
    NotificationRead,
)
from engine.models.process import ProcessModel
from engine.models.report import ReportRun, ReportStatus
from engine.models.runstate import JobRun, RunstateAlert
from engine.models.task import HumanTask, NoteKind, TaskNote, TaskStatus
from engine.models.token import ApiToken, IdempotencyRecord
from engine.models.user import LocalUser
from engine.models.user_session import UserSession
from engine.models.workspace import TaskDraft

__all__ = [
    "Anomaly",
    "AnomalyCase",
    "Enterprise",
    "Measurement",
    "MeasurementRevision",
    "MinuteMeasurement",
    "MonitoringPoint",
    "MonitoringRule",
    "PointDowntime",
    "PointFactor",
    "PointKind",
    "ApiToken",
    "ArchivedInstance",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "CalendarDay",
    "CalendarSource",
    "CalendarState",
    "CalendarYear",
    "DayKind",
    "CreditObjection",
    "CreditRating",
    "CreditRepair",
    "EmergencyPlanFiling",
    "EnforcementReferral",
    "PublicNotice",
    "RatingChange",
    "SupportTicket",
    "TaxReview",
    "DeliveryStatus",
    "HumanTask",
    "IdempotencyRecord",
    "InstanceStatus",
    "LocalUser",
    "LoginFailure",
    "NoteKind",
    "Notification",
    "NotificationCursor",
    "NotificationDelivery",
    "NotificationKind",
    "NotificationPreference",
    "NotificationRead",
    "ProcessConfig",
    "ProcessInstance",
    "ProcessModel",
    "ProvisionalDeadline",
    "JobRun",
    "ReportRun",
    "RunstateAlert",
    "ReportStatus",
    "TaskAttachment",
    "TaskDraft",
    "TaskNote",
    "TaskStatus",
    "UserSession",
]
