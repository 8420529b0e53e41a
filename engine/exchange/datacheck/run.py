"""Running the data-inspection rules for a month: new findings inserted set-wise, vanished ones cleared.

A finding is unique per rule, month and subject, so a second run adds nothing; an open finding a later
run no longer produces (the tax side corrected its record, a penalty was entered) becomes ``cleared``.
Findings already in verification or decided are left as they are.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import InvalidInput
from engine.exchange.datacheck import checks, monitored, rules
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.rule_defaults import RULES
from engine.scoping import require_admin

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))
MONTH = re.compile(r"20\d{2}-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True)
class RunResult:
    month: str
    rule_version: int
    found: dict[str, int]  # rule → findings the rule yields now
    new: dict[str, int]  # rule → of them, not stored before
    cleared: dict[str, int]  # rule → open findings no longer produced


def run_month(session: Session, actor: Actor, month_text: str, *, today: date | None = None,
              refresh_figures: bool = True) -> RunResult:
    """Apply every enabled rule to the month's matched data and store the findings (audited).

    :raises NotAllowed: unless an administrator or the system (the scheduled job).
    :raises InvalidInput: naming ``month`` when it is not ``YYYY-MM``.
    """
    if actor is not SYSTEM:
        require_admin(actor, "只有管理员可运行数据监查 (only administrators run the data inspection)")
    month = _month(month_text)
    today = today or datetime.now(CHINA).date()
    if refresh_figures:
        monitored.refresh(session, month.text)
    ruleset = rules.current(session)
    found: dict[str, int] = {}
    new: dict[str, int] = {}
    cleared: dict[str, int] = {}
    for rule in RULES:
        if not ruleset.enabled(rule):
            continue
        query = checks.query_for(rule, month, ruleset.rule(rule), today).subquery(f"found_{rule}")
        found[rule] = int(session.scalar(select(func.count()).select_from(query)) or 0)
        new[rule] = _insert_new(session, rule, month.text, query, ruleset.version)
        cleared[rule] = _clear_vanished(session, rule, month.text, query)
    session.flush()
    result = RunResult(month.text, ruleset.version, found, new, cleared)
    audit.record(session, actor, "exchange.inspection_run", payload={
        "month": month.text, "rule_version": ruleset.version, "found": found, "new": new, "cleared": cleared})
    log.info("data inspection %s (rules v%s): %s new, %s cleared", month.text, ruleset.version,
             sum(new.values()), sum(cleared.values()))
    return result


def _month(text: str) -> checks.Month:
    if not (isinstance(text, str) and MONTH.fullmatch(text)):
        raise InvalidInput("month: 须为 YYYY-MM (expected YYYY-MM)", fields={"month": ["须为 YYYY-MM"]})
    return checks.Month.of(text)


def _insert_new(session: Session, rule: str, month: str, query: Subquery, version: int) -> int:
    stored = exists().where(Finding.rule == rule, Finding.period == month, Finding.subject_key == query.c.subject_key)
    rows = select(literal(rule), literal(month), *[query.c[name] for name in checks.COLUMNS],
                  literal(version), literal(FindingStatus.OPEN.value), literal(utcnow())).where(~stored)
    inserted = session.execute(insert(Finding).from_select(
        ["rule", "period", *checks.COLUMNS, "rule_version", "status", "found_at"], rows).returning(Finding.id))
    return len(inserted.all())


def _clear_vanished(session: Session, rule: str, month: str, query: Subquery) -> int:
    still = select(query.c.subject_key)
    result: Any = session.execute(update(Finding).where(
        and_(Finding.rule == rule, Finding.period == month, Finding.status == FindingStatus.OPEN,
             Finding.subject_key.not_in(still))).values(status=FindingStatus.CLEARED))
    return int(result.rowcount or 0)
