"""The enterprise portal (企业门户): what an enterprise has to explain, what it submitted, its evidence,
its credit rating (with the objection it may file during the public notice).

Everything is limited to the actor's own credit code; other accounts are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.credit import objections, ratings
from engine.credit.models import (
    CreditObjection,
    CreditRating,
    ObjectionStatus,
    PublicNotice,
    RatingChange,
)
from engine.db import utcnow
from engine.errors import Conflict, NotAllowed
from engine.evidence import library as evidence
from engine.evidence.models import Attachment, TaskAttachment
from engine.notifications import centre as notifications
from engine.notifications.models import Notification
from engine.tasks.page import form_values
from engine.tasks.worklist import todo_clause
from engine.workflow.deployment import active_model, form_of
from engine.workflow.forms import FormDefinition
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.portal import start as portal_start
from engine.portal.start import StartOption
from engine.tasks import returned as returned_steps
from engine.tasks.returned import ReturnNotice

MAX_SUBMISSIONS = 30
RECENT_NOTICES = 6


@dataclass(frozen=True)
class Submission:
    instance: ProcessInstance
    current: list[str]  # titles of the steps now open
    waiting_on_us: bool


@dataclass(frozen=True)
class PortalHome:
    todo: list[HumanTask]
    returned: dict[str, ReturnNotice]  # by task id: the open steps that came back (退回), with the reason
    submissions: list[Submission]
    counts: dict[str, int]
    notices: list[tuple[Notification, bool]]
    unread: int
    library_size: int
    credit: CreditView
    starts: dict[str, StartOption]  # 办事: credit repair, plan filing, support ticket, and why one is unavailable


def _require_enterprise(actor: Actor) -> str:
    if Role.ENTERPRISE not in actor.roles or not actor.enterprise_code:
        raise NotAllowed("企业门户仅面向企业用户 (enterprise accounts only)")
    return actor.enterprise_code


def home(session: Session, actor: Actor, now: datetime | None = None) -> PortalHome:
    """:raises NotAllowed: for accounts without an enterprise."""
    code = _require_enterprise(actor)
    now = now or utcnow()
    todo = list(session.scalars(select(HumanTask).where(todo_clause(actor))
                                .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)))
    rows = list(session.scalars(select(ProcessInstance).where(ProcessInstance.enterprise_code == code)
                                .order_by(ProcessInstance.started_at.desc()).limit(MAX_SUBMISSIONS)))
    open_steps: dict[int, list[HumanTask]] = {}
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_([r.id for r in rows]),
                                                        HumanTask.status == TaskStatus.READY)):
        open_steps.setdefault(task.instance_id, []).append(task)
    submissions = [Submission(r, [t.title for t in open_steps.get(r.id, [])],
                              any(t.role == Role.ENTERPRISE.value for t in open_steps.get(r.id, []))) for r in rows]
    counts = dict(session.execute(select(ProcessInstance.status, func.count()).where(
        ProcessInstance.enterprise_code == code).group_by(ProcessInstance.status)).all())
    box = notifications.inbox(session, actor, per_page=RECENT_NOTICES, now=now)
    size = session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.owner == evidence.owner_of(actor))) or 0
    return PortalHome(todo, returned_steps.returned_many(session, todo), submissions,
                      {k: int(v) for k, v in counts.items()}, box.items[:RECENT_NOTICES],
                      box.unread, size, credit(session, actor, now), portal_start.options(session, actor))


@dataclass(frozen=True)
class LibraryItem:
    attachment: Attachment
    used_by: int  # how many steps it backs


def library(session: Session, actor: Actor) -> list[LibraryItem]:
    """The actor's evidence library, newest first, with how often each file backs a step."""
    files = evidence.library(session, actor)
    uses = dict(session.execute(select(TaskAttachment.attachment_id, func.count()).where(
        TaskAttachment.attachment_id.in_([f.id for f in files])).group_by(TaskAttachment.attachment_id)).all())
    return [LibraryItem(f, int(uses.get(f.id, 0))) for f in files]


@dataclass(frozen=True)
class CreditView:
    """The enterprise's credit rating (published and proposed), its history, and whether it may object now."""

    published: CreditRating | None
    proposed: CreditRating | None
    notice: PublicNotice | None
    history: list[RatingChange]
    objection_open: bool  # an objection of this round is being handled
    may_object: bool


def credit(session: Session, actor: Actor, now: datetime | None = None) -> CreditView:
    """:raises NotAllowed: for accounts without an enterprise."""
    code = _require_enterprise(actor)
    now = now or utcnow()
    published = ratings.latest_published(session, code)
    under = ratings.rating_under_notice(session, code)
    proposed, notice = under if under else (None, None)
    shown = [r.id for r in (published, proposed) if r is not None]
    history = list(session.scalars(select(RatingChange).where(RatingChange.rating_id.in_(shown))
                                   .order_by(RatingChange.changed_at.desc(), RatingChange.id.desc()))) if shown else []
    open_objection = proposed is not None and (session.scalar(select(func.count()).select_from(CreditObjection).where(
        CreditObjection.rating_id == proposed.id, CreditObjection.status == ObjectionStatus.OPEN)) or 0) > 0
    in_notice = notice is not None and notice.starts_at <= now and (notice.ends_at is None or now < notice.ends_at)
    return CreditView(published, proposed, notice, history, bool(open_objection),
                      bool(in_notice and not open_objection))


@dataclass(frozen=True)
class ObjectionPage:
    view: CreditView
    form: FormDefinition
    library: list[Attachment]


def objection_form(session: Session, actor: Actor) -> ObjectionPage:
    """The objection form of the active credit_objection model, the rating it is about, the evidence library."""
    view = credit(session, actor)
    form = form_of(active_model(session, objections.PROCESS_KEY), objections.FORM_KEY)
    return ObjectionPage(view, form, evidence.library(session, actor))


def file_objection(session: Session, actor: Actor, posted: dict[str, list[str]]) -> ProcessInstance:
    """提出异议 from posted form values (the rating's region is the objection's region).

    :raises Conflict: no rating under notice, or the notice period is over, or an objection is open.
    :raises InvalidForm: naming the fields that are wrong.
    """
    page = objection_form(session, actor)
    if page.view.proposed is None:
        raise Conflict("本企业没有处于公示期的拟评价结果，无法提出异议 (no proposed rating under public notice)")
    return objections.file(session, actor, page.view.proposed.region_code, form_values(page.form, posted))
