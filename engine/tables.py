"""The persistent data model; importing this package registers every table on ``Base.metadata``."""

from engine.anomalies.models import EnforcementReferral
from engine.audit.models import AuditChainHead, AuditEvent
from engine.calendar.models import (
    CalendarDay,
    CalendarSource,
    CalendarState,
    CalendarYear,
    DayKind,
    ProvisionalDeadline,
)
from engine.credit.models import (
    CreditFact,
    CreditObjection,
    CreditRating,
    CreditRepair,
    CreditRound,
    CreditRuleSet,
    CreditScore,
    PublicNotice,
    RatingChange,
    RoundFact,
    ScoreItem,
)
from engine.emergency.models import EmergencyPlanFiling
from engine.evidence.models import Attachment, TaskAttachment
from engine.idempotency.models import IdempotencyRecord
from engine.identity.models import ApiToken, LocalUser, LoginFailure, UserPreference, UserSession
from engine.instances.models import ArchivedInstance
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
from engine.reports.models import ReportRun, ReportStatus
from engine.support.models import SupportTicket
from engine.tasks.models import TaskDraft
from engine.tax.models import TaxReview
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    NoteKind,
    ProcessConfig,
    ProcessInstance,
    ProcessModel,
    TaskNote,
    TaskStatus,
)

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
    "CreditFact",
    "CreditRound",
    "CreditRuleSet",
    "CreditScore",
    "RoundFact",
    "ScoreItem",
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
    "UserPreference",
    "UserSession",
]
