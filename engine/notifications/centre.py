"""Notifications (通知中心) derived from the audit trail, and e-mail through a :class:`Notifier`.

Every state change is already an audit event, appended in commit order (the chain
head is locked until commit). :func:`project` reads the events after a cursor and
turns the ones people need to hear about into notifications: a new task, a task
returned, an urging, a decision, a copy or a request for an opinion; it also finds
tasks due within 24 hours. It runs in each web process's notification thread
after write requests (``web/notifications/dispatch.py``) and in the scheduler, in
its own transaction; the cursor row is locked, so two runs never
project the same event twice.

E-mail goes out only after that transaction commits: :func:`project` queues one
delivery per address in ``notification_deliveries``, and :func:`deliver_pending`
(a worker thread or the scheduler) hands them to the notifier.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.db import locked_singleton, utcnow, valid_id
from engine.errors import EcoLoopError, InvalidInput, NotFound, ProcessNotFound
from engine.identity.models import LocalUser, UserPreference
from engine.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationCursor,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
    NotificationRead,
)
from engine.scoping import can_work, visible_clause
from engine.workflow.deployment import compiled_by_id
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)

log = logging.getLogger(__name__)

CURSOR_ID = 1
PROJECT_BATCH = 500
DEADLINE_WINDOW = timedelta(hours=24)
KEEP_DAYS = 90
MAX_ATTEMPTS = 5
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MOVES = frozenset({"instance.start", "task.complete", "task.return", "task.withdraw", "timer.fire",
                   "instance.resume", "instance.migrate", "task.delegate_answer"})


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class DeliveryFailed(EcoLoopError):
    """The mail server refused or could not be reached; the delivery is retried later."""


class Notifier(Protocol):
    """Sends one mail (``integrations.mail.SmtpNotifier``); raises :class:`DeliveryFailed`."""

    def send(self, mail: Mail) -> None: ...


# ---------------------------------------------------------------- projection

def project(session: Session, now: datetime | None = None, *, mail: bool = False) -> list[Notification]:
    """Turn new audit events and tasks due soon into notifications (the caller commits)."""
    created, _ = _project(session, mail=mail, reminders_at=now or utcnow())
    return created


def project_events(session: Session, *, mail: bool = False) -> bool:
    """Only the new audit events (a web process after its writes; deadlines are the scheduler's).

    :returns: whether a full batch was taken, so that more events may wait.
    """
    _, full = _project(session, mail=mail, reminders_at=None)
    return full


def _project(session: Session, *, mail: bool, reminders_at: datetime | None) -> tuple[list[Notification], bool]:
    """One batch of events, and the deadline reminders as of ``reminders_at`` (if given); mail queued.

    :returns: the notifications made, and whether the batch was full.
    """
    cursor = _locked_cursor(session)
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > cursor.last_seq)
                                  .order_by(AuditEvent.seq).limit(PROJECT_BATCH)))
    moved = {event.instance_id for event in events if event.action in MOVES and event.instance_id is not None}
    batch = _Batch(_untold_tasks(session, moved), _ended_untold(session, moved))
    created: list[Notification] = []
    for event in events:
        created += _from_event(session, event, batch)
    if events:
        cursor.last_seq = events[-1].seq
    if created:
        log.info("projected %d notifications up to audit event %s", len(created), cursor.last_seq)
    if reminders_at is not None:
        created += _deadline_reminders(session, reminders_at)
    session.flush()
    if mail and created:
        _queue_mail(session, created)
    return created, len(events) == PROJECT_BATCH


@dataclass
class _Batch:
    """What a batch of events may tell, read once for the whole batch: per instance, its ready steps nobody
    was told about (oldest first) and, if it has ended, the instance (until its decision is told)."""

    untold: dict[int, list[HumanTask]]
    ended: dict[int, ProcessInstance]


def _untold_tasks(session: Session, instance_ids: set[int]) -> dict[int, list[HumanTask]]:
    told = select(Notification.id).where(
        Notification.task_id == HumanTask.id,
        Notification.kind.in_([NotificationKind.TASK_NEW, NotificationKind.TASK_RETURNED]))
    found: dict[int, list[HumanTask]] = {}
    if instance_ids:
        for task in session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_(sorted(instance_ids)), HumanTask.status == TaskStatus.READY, ~exists(told))
                .order_by(HumanTask.created_at)):
            found.setdefault(task.instance_id, []).append(task)
    return found


def _ended_untold(session: Session, instance_ids: set[int]) -> dict[int, ProcessInstance]:
    if not instance_ids:
        return {}
    told = select(Notification.id).where(Notification.instance_id == ProcessInstance.id,
                                         Notification.kind == NotificationKind.DECISION)
    return {row.id: row for row in session.scalars(select(ProcessInstance).where(
        ProcessInstance.id.in_(sorted(instance_ids)), ProcessInstance.status == InstanceStatus.COMPLETED,
        ProcessInstance.enterprise_code.is_not(None), ~exists(told)))}


def _locked_cursor(session: Session) -> NotificationCursor:
    def first_cursor() -> NotificationCursor:  # first run: only the most recent events are still worth telling
        newest = session.scalar(select(func.max(AuditEvent.seq))) or 0
        return NotificationCursor(id=CURSOR_ID, last_seq=max(0, newest - PROJECT_BATCH))

    return locked_singleton(session, NotificationCursor, CURSOR_ID, first_cursor)


def _from_event(session: Session, event: AuditEvent, batch: _Batch) -> list[Notification]:
    payload = event.payload or {}
    made: list[Notification] = []
    if event.action in MOVES and event.instance_id is not None:
        made += _new_tasks(session, event, batch.untold.get(event.instance_id, []))
        ended = batch.ended.pop(event.instance_id, None)
        if ended is not None:
            made.append(_decision(session, ended, event))
    if event.action == "timer.fire" and event.instance_id is not None:
        made += _overdue(session, event)
    if event.action not in _ABOUT_A_TASK or not event.task_id:
        return made
    task = session.get(HumanTask, event.task_id)
    if task is None:
        return made
    if event.action == "task.urge":
        holder = payload.get("holder")
        made.append(_to_task(session, task, NotificationKind.TASK_URGED, f"催办：{task.title}",
                             _note_text(session, event, payload.get("note")), event, recipient=holder))
    elif event.action == "task.transfer" and payload.get("to"):
        made.append(_add(session, NotificationKind.TASK_NEW, f"转办给您：{task.title}", _note_text(session, event, payload.get("note")),
                         task, event, recipient=str(payload["to"])))
    elif event.action == "task.delegate" and payload.get("to"):
        made.append(_add(session, NotificationKind.DELEGATED, f"请提出意见：{task.title}",
                         _note_text(session, event, payload.get("note")), task, event, recipient=str(payload["to"])))
    elif event.action == "task.copy":
        for person in payload.get("to") or []:
            made.append(_add(session, NotificationKind.COPY, f"抄送：{task.subject or task.title}",
                             _note_text(session, event, payload.get("note")), task, event, recipient=str(person)))
    return made


_ABOUT_A_TASK = frozenset({"task.urge", "task.transfer", "task.delegate", "task.copy"})


def _note_text(session: Session, event: AuditEvent, note: Any) -> str:
    who = _who(session, event.actor)
    text = f"{who}：{note}" if note else f"来自 {who}"
    return text[:1000]


def _who(session: Session, username: str) -> str:
    """How a notification names a person: the display name of a local account, 系统 for the engine."""
    if username == "system":
        return "系统"
    name = session.scalar(select(LocalUser.display_name).where(LocalUser.username == username)) or session.scalar(
        select(UserPreference.display_name).where(UserPreference.username == username))
    return name or username


def _new_tasks(session: Session, event: AuditEvent, untold: list[HumanTask]) -> list[Notification]:
    """Tell the instance's untold ready steps opened by this event or before it (and take them off ``untold``).

    Steps opened by later events are theirs to tell: a projection that runs late (the scheduler's,
    or a web process's thread behind a burst) must still call a step returned by a later event
    "returned", not "new".
    """
    mine = [task for task in untold if task.created_at <= event.at]
    untold[:] = [task for task in untold if task.created_at > event.at]
    payload = event.payload or {}
    returned = event.action == "task.return" or payload.get("outcome") == "return" or (
        isinstance(payload.get("data"), dict) and payload["data"].get("decision") == "return")
    made = []
    for task in mine:
        if returned:
            opinion = payload.get("opinion") or ""
            made.append(_to_task(session, task, NotificationKind.TASK_RETURNED, f"被退回，请重新办理：{task.title}",
                                 f"{_who(session, event.actor)}：{opinion}" if opinion else "", event))
        else:
            made.append(_to_task(session, task, NotificationKind.TASK_NEW, f"新待办：{task.title}", "", event))
    return made


def _overdue(session: Session, event: AuditEvent) -> list[Notification]:
    """A timer fired: the ready steps of the instance past their due time are urged."""
    if not (event.payload or {}).get("timers"):
        return []
    late = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == event.instance_id, HumanTask.status == TaskStatus.READY,
        HumanTask.due_at <= event.at))
    return [_to_task(session, task, NotificationKind.TASK_URGED, f"已逾期，请尽快办理：{task.title}", "", event)
            for task in late]


def _decision(session: Session, instance: ProcessInstance, event: AuditEvent) -> Notification:
    """The instance has ended: tell the enterprise the result once."""
    note = Notification(kind=NotificationKind.DECISION, title=f"办结通知：{instance.subject or instance.process_key}",
                        body=_conclusion(session, instance), instance_id=instance.id, role=Role.ENTERPRISE.value,
                        region_code=instance.region_code, enterprise_code=instance.enterprise_code,
                        source_seq=event.seq)
    session.add(note)
    return note


def _conclusion(session: Session, instance: ProcessInstance) -> str:
    """The last reviewer's conclusion and opinion, in the words of its form."""
    last = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.COMPLETED,
        HumanTask.role != Role.ENTERPRISE.value).order_by(HumanTask.completed_at.desc()).limit(1)).first()
    if last is None:
        return "流程已办结"
    words = [f"{last.title}：{_option_label(session, instance, last, last.form_key)}"]
    if last.opinion:
        words.append(f"意见：{last.opinion}")
    return "；".join(words)[:1000]


def _option_label(session: Session, instance: ProcessInstance, task: HumanTask, form_key: str) -> str:
    submitted = task.submitted or {}
    try:
        form = compiled_by_id(session, instance.model_id).forms.get(form_key)
    except ProcessNotFound:
        form = None
    labels = []
    for name in ("conclusion", form.outcome_field if form else None):
        value = submitted.get(name) if name else None
        definition = form.field(name) if form and name else None
        if value is None:
            continue
        options = {o["value"]: o["label"]["zh"] for o in (definition or {}).get("options") or []}
        labels.append(options.get(value, str(value)))
    return "、".join(dict.fromkeys(labels)) or (task.outcome or "已办理")


def _deadline_reminders(session: Session, now: datetime) -> list[Notification]:
    told = select(Notification.id).where(Notification.task_id == HumanTask.id,
                                         Notification.kind == NotificationKind.DEADLINE_SOON)
    due = session.scalars(select(HumanTask).where(
        HumanTask.status == TaskStatus.READY, HumanTask.due_at > now, HumanTask.due_at <= now + DEADLINE_WINDOW,
        ~exists(told)).order_by(HumanTask.due_at).limit(PROJECT_BATCH))
    return [_to_task(session, task, NotificationKind.DEADLINE_SOON, f"24 小时内到期：{task.title}",
                     f"办理期限 {task.due_at:%Y-%m-%d %H:%M} UTC" if task.due_at else "", None) for task in due]


def _to_task(session: Session, task: HumanTask, kind: NotificationKind, title: str, body: str,
             event: AuditEvent | None, recipient: str | None = None) -> Notification:
    """Address a task's notification to its holder, or to everyone holding its role in its scope."""
    person = recipient or task.delegated_to or task.assignee
    return _add(session, kind, title, body, task, event, recipient=person)


def _add(session: Session, kind: NotificationKind, title: str, body: str, task: HumanTask,
         event: AuditEvent | None, *, recipient: str | None = None) -> Notification:
    full_title = f"{title} · {task.subject}" if task.subject and task.subject not in title else title
    note = Notification(kind=kind, title=full_title[:300], body=body, instance_id=task.instance_id, task_id=task.id,
                        recipient=recipient, source_seq=event.seq if event else None)
    if recipient is None:
        note.role, note.region_code, note.enterprise_code = task.role, task.region_code, task.enterprise_code
    session.add(note)
    return note


# ---------------------------------------------------------------- reading

def addressed_clause(actor: Actor) -> ColumnElement[bool]:
    """Notifications for the actor: its own, and those of a role it holds in scope (not all, for admins)."""
    working = Actor(actor.username, actor.roles - {Role.ADMIN}, actor.region_code, actor.enterprise_code)
    scope = and_(Notification.recipient.is_(None),
                 visible_clause(working, Notification.role, Notification.region_code, Notification.enterprise_code))
    return or_(Notification.recipient == actor.username, scope)


def _unread(actor: Actor) -> ColumnElement[bool]:
    return ~exists(select(NotificationRead.id).where(NotificationRead.notification_id == Notification.id,
                                                     NotificationRead.username == actor.username))


def _recent(now: datetime) -> ColumnElement[bool]:
    return Notification.created_at >= now - timedelta(days=KEEP_DAYS)


@dataclass(frozen=True)
class Inbox:
    items: list[tuple[Notification, bool]]  # (notification, read)
    total: int
    unread: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def inbox(session: Session, actor: Actor, *, page: int = 1, per_page: int = 30, unread_only: bool = False,
          now: datetime | None = None) -> Inbox:
    now = now or utcnow()
    base = [addressed_clause(actor), _recent(now)]
    unread = session.scalar(select(func.count()).select_from(Notification).where(*base, _unread(actor))) or 0
    if unread_only:
        base.append(_unread(actor))
    total = session.scalar(select(func.count()).select_from(Notification).where(*base)) or 0
    per_page = max(5, min(per_page, 100))
    page = max(1, min(page, max(1, -(-total // per_page))))
    found = list(session.scalars(select(Notification).where(*base).order_by(Notification.created_at.desc(),
                                                                            Notification.id.desc())
                                 .offset((page - 1) * per_page).limit(per_page)))
    read = _read_ids(session, actor, [n.id for n in found])
    return Inbox([(n, n.id in read) for n in found], total, unread, page, per_page)


def _read_ids(session: Session, actor: Actor, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(NotificationRead.notification_id).where(
        NotificationRead.notification_id.in_(ids), NotificationRead.username == actor.username)))


def unread_count(session: Session, actor: Actor, now: datetime | None = None) -> int:
    now = now or utcnow()
    return session.scalar(select(func.count()).select_from(Notification).where(
        addressed_clause(actor), _recent(now), _unread(actor))) or 0


def open_notification(session: Session, actor: Actor, notification_id: int) -> Notification:
    """Mark one notification read and return it (the caller follows its link).

    :raises NotFound: when it is not addressed to the actor.
    """
    note = session.scalars(select(Notification).where(
        Notification.id == notification_id, addressed_clause(actor))).one_or_none() if valid_id(
        notification_id) else None
    if note is None:
        raise NotFound(f"notification {notification_id} not found")
    _mark(session, actor, [note.id])
    return note


def mark_all_read(session: Session, actor: Actor, now: datetime | None = None) -> int:
    now = now or utcnow()
    ids = list(session.scalars(select(Notification.id).where(addressed_clause(actor), _recent(now), _unread(actor))
                               .limit(5000)))
    _mark(session, actor, ids)
    return len(ids)


def _mark(session: Session, actor: Actor, ids: Iterable[int]) -> None:
    already = _read_ids(session, actor, list(ids))
    for notification_id in ids:
        if notification_id not in already:
            session.add(NotificationRead(notification_id=notification_id, username=actor.username))
    session.flush()


# ---------------------------------------------------------------- e-mail

def preferences(session: Session, actor: Actor) -> NotificationPreference | None:
    return session.scalars(select(NotificationPreference).where(
        NotificationPreference.username == actor.username)).one_or_none()


def save_preferences(session: Session, actor: Actor, email: str, enabled: bool) -> NotificationPreference:
    """Keep the actor's address (and current scope, to match role-addressed notifications to it).

    :raises InvalidInput: for an address that is not an e-mail address, or mail enabled without one.
    """
    email = email.strip()
    if (email and not EMAIL.match(email)) or len(email) > 254 or (enabled and not email):
        raise InvalidInput("邮箱地址无效 (invalid e-mail address)", fields={"email": ["请输入有效的邮箱地址"]})
    pref = preferences(session, actor)
    if pref is None:
        pref = NotificationPreference(username=actor.username)
        session.add(pref)
    pref.email, pref.email_enabled = email, enabled
    pref.roles, pref.region_code, pref.enterprise_code = sorted(actor.roles), actor.region_code, actor.enterprise_code
    pref.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "notification.preferences", payload={"email_enabled": enabled, "email": email})
    return pref


def notify_people(session: Session, usernames: Iterable[str], kind: NotificationKind, title: str, body: str,
                  instance_id: int | None = None) -> list[Notification]:
    """Notify named people directly (not through a task), mail included for those who asked for it."""
    created = [Notification(kind=kind, title=title[:300], body=body, instance_id=instance_id, recipient=name)
               for name in sorted(set(usernames))]
    session.add_all(created)
    session.flush()
    _queue_mail(session, created)
    return created


def administrators(session: Session) -> set[str]:
    """Everyone holding the admin role: local accounts, and directory users known from their preferences."""
    names = {user.username for user in session.scalars(select(LocalUser).where(LocalUser.disabled.is_(False)))
             if Role.ADMIN.value in (user.roles or [])}
    names |= {pref.username for pref in session.scalars(select(NotificationPreference))
              if Role.ADMIN.value in (pref.roles or [])}
    return names


def _queue_mail(session: Session, created: list[Notification]) -> None:
    subscribers = list(session.scalars(select(NotificationPreference).where(
        NotificationPreference.email_enabled.is_(True), NotificationPreference.email != "")))
    if not subscribers:
        return
    for note in created:
        for pref in subscribers:
            if _addressed_to(note, pref):
                session.add(NotificationDelivery(notification_id=note.id, address=pref.email))
    session.flush()


def _addressed_to(note: Notification, pref: NotificationPreference) -> bool:
    if note.recipient is not None:
        return note.recipient == pref.username
    roles = frozenset(Role(r) for r in pref.roles if r in Role._value2member_map_) - {Role.ADMIN}
    person = Actor(pref.username, roles, pref.region_code, pref.enterprise_code)
    return can_work(person, note.role or "", note.region_code, note.enterprise_code)


def deliver_pending(session: Session, notifier: Notifier, *, base_url: str = "", limit: int = 50) -> int:
    """Send queued mails (the rows are locked, so two workers never send one twice); returns how many went out."""
    rows = list(session.scalars(select(NotificationDelivery).where(
        NotificationDelivery.status == DeliveryStatus.PENDING).order_by(NotificationDelivery.id).limit(limit)
        .with_for_update(skip_locked=True)))
    sent = 0
    for delivery in rows:
        note = session.get(Notification, delivery.notification_id)
        assert note is not None
        delivery.attempts += 1
        try:
            notifier.send(_mail(note, delivery.address, base_url))
        except DeliveryFailed as exc:
            delivery.last_error = exc.message[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
            log.warning("mail to %s (notification %s) failed: %s", delivery.address, note.id, exc.message)
            continue
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, utcnow()
        sent += 1
    session.flush()
    return sent


def _mail(note: Notification, address: str, base_url: str) -> Mail:
    link = f"/tasks/{note.task_id}" if note.task_id else f"/instances/{note.instance_id}" if note.instance_id else ""
    lines = [note.title, ""]
    if note.body:
        lines += [note.body, ""]
    if link:
        lines.append(f"办理地址：{base_url.rstrip('/')}{link}" if base_url else f"请登录平台查看（{link}）")
    lines += ["", "—— 生态环境闭环监管平台（本邮件由系统自动发送，请勿回复）"]
    return Mail(to=address, subject=f"【生态环境闭环监管】{note.title}"[:200], body="\n".join(lines))
