"""The persistent data model; importing this package registers every table on ``Base.metadata``."""

from engine.evidence.models import Attachment, TaskAttachment
from engine.instances.models import ArchivedInstance
from engine.audit.models import AuditChainHead, AuditEvent
from engine.calendar.models import (
    CalendarDay,
    CalendarSource,
    CalendarState,
    CalendarYear,
    DayKind,
    ProvisionalDeadline,
)
from engine.emergency.models import EmergencyPlanFiling
from engine.anomalies.models import EnforcementReferral
from engine.support.models import SupportTicket
from engine.tax.models import TaxReview
from engine.workflow.models import ProcessConfig
from engine.credit.models import CreditObjection, CreditRating, CreditRepair, PublicNotice, RatingChange
from engine.workflow.models import InstanceStatus, ProcessInstance
from engine.identity.models import LoginFailure
from engine.monitoring.models import (
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
from engine.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationCursor,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
    NotificationRead,
)
from engine.workflow.models import ProcessModel
from engine.reports.models import ReportRun, ReportStatus
from engine.workflow.models import HumanTask, NoteKind, TaskNote, TaskStatus
from engine.identity.models import ApiToken
from engine.idempotency.models import IdempotencyRecord
from engine.identity.models import LocalUser
from engine.identity.models import UserSession
from engine.tasks.models import TaskDraft

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
    "ReportRun",
    "ReportStatus",
    "TaskAttachment",
    "TaskDraft",
    "TaskNote",
    "TaskStatus",
    "UserSession",
]
