"""办事 from the web: an enterprise applies for credit repair, files its emergency plan or opens a support
ticket; a reviewer opens a ticket too. Each page calls the same engine service as the API.

- 信用修复 (credit_repair) and 应急预案备案 (emergency_plan_filing): the process's first form, started and
  submitted in one step (:func:`engine.credit.repairs.apply`, :func:`engine.emergency.filings.submit`).
- 技术支持工单 (support_ticket): the ticket's start data (``engine.support.tickets.TicketReport``, evidence ids
  included) through :func:`engine.instances.service.start`, as ``POST /api/v1/processes/support_ticket/instances``.

Whether a start is offered is asked of the same rules that refuse it — who may start
(:func:`engine.instances.service.check_may_start`, the ``starters`` of :mod:`engine.workflow.hooks`) and the
process's ``before_start`` check — so a page can say why a button is unavailable (e.g. credit repair is
only for yellow or red ratings) in the words the refusal would use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.workflow import hooks as process_hooks
from engine.actors import Actor, Role
from engine.emergency import filings
from engine.credit import ratings, repairs
from engine.support import tickets
from engine.errors import Conflict, EcoLoopError
from engine.workflow.forms import FormDefinition, parse_form_definition
from engine.evidence.models import Attachment
from engine.workflow.models import ProcessInstance
from engine.regions import PROVINCE_CODE
from engine.workflow import configs
from engine.evidence import library as evidence
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.workflow.deployment import active_model, form_of
from engine.tasks.page import form_values

REPAIR, FILING, TICKET = repairs.PROCESS_KEY, filings.PROCESS_KEY, tickets.PROCESS_KEY
FORM_KEYS = {REPAIR: repairs.FORM_KEY, FILING: filings.FORM_KEY}
TICKET_FORM_KEY = "support_ticket_report"


@dataclass(frozen=True)
class StartOption:
    """Whether the actor may start a process now, and if not, why (in the refusal's words)."""

    process_key: str
    available: bool
    reason: str = ""


@dataclass(frozen=True)
class StartPage:
    option: StartOption
    form: FormDefinition
    library: list[Attachment]


def options(session: Session, actor: Actor) -> dict[str, StartOption]:
    """The portal's three starts for an enterprise (only the ticket for other accounts)."""
    keys = (REPAIR, FILING, TICKET) if Role.ENTERPRISE in actor.roles else (TICKET,)
    return {key: option(session, actor, key) for key in keys}


def option(session: Session, actor: Actor, key: str) -> StartOption:
    """Ask the start rules of ``key`` without starting anything."""
    try:
        _check(session, actor, key)
    except EcoLoopError as refused:
        return StartOption(key, False, refused.message)
    return StartOption(key, True)


def page(session: Session, actor: Actor, key: str) -> StartPage:
    """The start form of ``key`` (its first step's form, or the ticket report) and the actor's evidence library.

    :raises ProcessNotFound: when ``key`` is not deployed.
    """
    form = ticket_form(session) if key == TICKET else form_of(active_model(session, key), FORM_KEYS[key])
    return StartPage(option(session, actor, key), form, evidence.library(session, actor))


def start(session: Session, actor: Actor, key: str, posted: dict[str, list[str]]) -> ProcessInstance:
    """Start ``key`` from posted form values.

    :raises Conflict: / :raises NotAllowed: naming why the actor may not start it now.
    :raises InvalidInput: (``InvalidForm`` for the first step's form) naming each wrong field.
    """
    region = _check(session, actor, key)
    if key == REPAIR:
        return repairs.apply(session, actor, region, form_values(page(session, actor, key).form, posted))
    if key == FILING:
        return filings.submit(session, actor, region, form_values(page(session, actor, key).form, posted))
    form = ticket_form(session)
    data = form.validate(form_values(form, posted))
    report = {k: data[k] for k in ("subsystem", "summary", "description") if k in data}
    report.update(contact=data.get("contact") or "", attachments=[int(i) for i in data.get("attachments") or []])
    enterprise = actor.enterprise_code if Role.ENTERPRISE in actor.roles else None
    return instances.start(session, actor, StartRequest(
        process_key=TICKET, region_code=region, enterprise_code=enterprise,
        subject=f"技术支持：{report.get('summary', '')}"[:300], data=report))


def _check(session: Session, actor: Actor, key: str) -> str:
    """The region the start goes to, once the start rules accept it. :raises EcoLoopError: otherwise."""
    if key not in (REPAIR, FILING, TICKET):
        raise Conflict(f"不能在此发起 {key} (not offered here)")
    region = _region(session, actor, key)
    if region is None:
        raise Conflict("账号未设置行政区划，无法发起 (the account has no region)")
    enterprise = actor.enterprise_code if Role.ENTERPRISE in actor.roles else None
    active_model(session, key)
    instances.check_may_start(actor, StartRequest(process_key=key, region_code=region, enterprise_code=enterprise))
    hook = process_hooks.registry().start_hook(key)
    if hook is not None and key != TICKET:  # the ticket's check reads the report itself
        hook(process_hooks.StartContext(session, actor, key, region, enterprise, None, {},
                                        configs.current_values(session, key)))
    return region


def _region(session: Session, actor: Actor, key: str) -> str | None:
    if key == REPAIR and actor.enterprise_code:
        rating = ratings.latest_published(session, actor.enterprise_code)
        if rating is not None:
            return rating.region_code  # a repair goes to the region that rated the enterprise
    if actor.region_code:
        return actor.region_code
    return PROVINCE_CODE if actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles else None


def ticket_form(session: Session) -> FormDefinition:
    """The ticket report as a form (the fields of ``TicketReport``; subsystems from the process settings)."""
    known = [str(s) for s in configs.current_values(session, TICKET).get("subsystems") or []]
    subsystem: dict[str, Any] = {"name": "subsystem", "label": {"zh": "所属子系统", "en": "Subsystem"}, "required": True}
    if known:
        subsystem.update(type="enum", options=[{"value": s, "label": {"zh": s, "en": s}} for s in known])
    else:
        subsystem.update(type="string", max_length=60)
    return parse_form_definition({
        "key": TICKET_FORM_KEY, "title": {"zh": "技术支持工单", "en": "Support ticket"},
        "fields": [
            subsystem,
            {"name": "summary", "type": "string", "required": True, "max_length": 200,
             "label": {"zh": "问题摘要", "en": "Summary"}},
            {"name": "description", "type": "text", "required": True, "max_length": 4000,
             "label": {"zh": "问题描述", "en": "Description"},
             "help": {"zh": "发生时间、现象、影响范围、已尝试的处理", "en": "When, what, impact, what was tried"}},
            {"name": "contact", "type": "string", "max_length": 100,
             "label": {"zh": "联系方式", "en": "Contact"}},
            {"name": "attachments", "type": "attachments", "label": {"zh": "截图或相关材料", "en": "Screenshots, files"}},
        ]})

