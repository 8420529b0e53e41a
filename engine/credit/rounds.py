"""企业环境信用年度评价 (credit_rating_round): the yearly round as a process.

Flow (``workflows/bpmn/credit_rating_round.bpmn``): the province opens a round for a
year → the scores of every enterprise in scope are computed with the year's rule set
(:mod:`engine.credit.scoring`) → each county reviews its enterprises' proposals (one task
per county; completing it approves every proposal it did not adjust; :func:`adjust` moves
one level with reason and evidence) → each city reviews → the province approves, which puts
the proposed levels under public notice (:func:`engine.credit.ratings.propose`; objections go
through ``credit_objection``) → after the notice period the province publishes: ratings take
effect and the enterprises are notified.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.credit import ratings, rules, scoring
from engine.credit.models import (
    CreditRating,
    CreditRound,
    CreditRuleSet,
    CreditScore,
    ReviewStatus,
    RoundStatus,
)
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.evidence import library
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.notifications.models import Notification, NotificationKind
from engine.scoping import can_work, covers_region
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus

log = logging.getLogger(__name__)

PROCESS_KEY = "credit_rating_round"
HOOKS = ProcessHooks(PROCESS_KEY)
PROVINCE_REGION = "440000"
DAYS = re.compile(r"^P(\d{1,3})D$")


def open_round(session: Session, actor: Actor, year: int) -> ProcessInstance:
    """Open the year's round: scores are computed at the start and the county reviews are created.

    :raises NotAllowed: unless a province reviewer or an administrator.
    :raises Conflict: a round for the year is already open or published.
    """
    return instances.start(session, actor, StartRequest(
        process_key=PROCESS_KEY, region_code=PROVINCE_REGION, business_key=f"credit-round-{year}",
        subject=f"{year} 年度企业环境信用评价", data={"year": year}))


@HOOKS.before_start
def _compute(context: StartContext) -> dict[str, Any]:
    actor, session = context.actor, context.session
    if not (actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles):
        raise NotAllowed("只有省级审核人员可开启年度信用评价 (only the province opens a rating round)")
    year = context.data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("invalid year", fields={"year": ["年度无效 (invalid year)"]})
    existing = session.scalar(select(CreditRound.id).where(CreditRound.year == year))
    if existing is not None:
        raise Conflict(f"{year} 年度评价已开启 (a round for {year} exists: #{existing})")
    rule_set = rules.stored_for_round(session, actor, year)
    credit_round = CreditRound(year=year, rule_set_id=rule_set.id, opened_by=actor.username)
    session.add(credit_round)
    session.flush()
    scoring.compute(session, credit_round, rule_set.rules)
    counties = sorted(session.scalars(select(CreditScore.region_code).where(
        CreditScore.round_id == credit_round.id).distinct()))
    audit.record(session, actor, "credit.round_open", payload={
        "round": credit_round.id, "year": year, "rules": rule_set.id, "rules_version": rule_set.version,
        "enterprises": credit_round.enterprises})
    return {"year": year, "round_id": credit_round.id, "rules_version": rule_set.version, "counties": counties,
            "cities": sorted({c[:4] + "00" for c in counties})}


@HOOKS.after("start")
def _link(context: StepContext) -> None:
    credit_round = _round(context.session, int(context.data["round_id"]))
    credit_round.instance_id = context.instance.id
    log.info("round %s: instance %s", credit_round.id, context.instance.id)


def _round(session: Session, round_id: int) -> CreditRound:
    credit_round = session.get(CreditRound, round_id) if valid_id(round_id) else None
    if credit_round is None:
        raise NotFound(f"rating round {round_id} not found")
    return credit_round


def adjust(session: Session, actor: Actor, score_id: int, level: int, reason: str,
           evidence: list[int]) -> CreditScore:
    """Move one enterprise's proposed level by one, with a reason and evidence, during the review.

    :raises NotFound: no such score in the actor's area.
    :raises Conflict: the round is past its review.
    :raises InvalidInput: more than one level away from the computed proposal, or no reason or evidence.
    :raises AttachmentNotFound: an evidence id that is not in the reviewer's library.
    """
    score = session.get(CreditScore, score_id) if valid_id(score_id) else None
    if score is None or not _reviews(actor, score.region_code):
        raise NotFound(f"score {score_id} not found")
    if _round(session, score.round_id).status != RoundStatus.REVIEWING:
        raise Conflict("评价已进入公示或已公布，不能再调整 (the round is past its review)")
    problems: dict[str, list[str]] = {}
    if level not in (1, 2, 3, 4) or abs(level - score.proposed_level) > 1:
        problems["level"] = ["只能在计算等级基础上调整一级 (one level from the computed proposal)"]
    if not reason.strip():
        problems["reason"] = ["须说明调整理由 (a reason is required)"]
    if not evidence:
        problems["evidence"] = ["须附证明材料 (evidence is required)"]
    if problems:
        raise InvalidInput("调整有误 (invalid adjustment)", fields=problems)
    library.own_attachments(session, actor, evidence)  # each from the reviewer's evidence library
    before = score.level
    score.level, score.adjust_reason, score.adjust_evidence = level, reason[:2000], list(evidence)
    score.review_status = ReviewStatus.ADJUSTED if level != score.proposed_level else ReviewStatus.APPROVED
    _mark_reviewer(score, actor)
    session.flush()
    audit.record(session, actor, "credit.round_adjust", payload={
        "round": score.round_id, "score": score.id, "enterprise": score.enterprise_code, "from": before,
        "to": level, "reason": score.adjust_reason, "evidence": list(evidence)})
    return score


def _reviews(actor: Actor, region_code: str) -> bool:
    return actor.is_admin or any(covers_region(role, actor.region_code, region_code) for role in actor.roles
                                 if role in (Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER))


def _mark_reviewer(score: CreditScore, actor: Actor) -> None:
    if Role.COUNTY_REVIEWER in actor.roles:
        score.county_by = actor.username
    else:
        score.city_by = actor.username


@HOOKS.after("county_review")
def _approve_unchanged(context: StepContext) -> None:
    """Completing a county's review approves every proposal of the county it did not adjust."""
    county, rid = str(context.data["county"]), int(context.data["round_id"])
    pending = (CreditScore.round_id == rid, CreditScore.region_code == county,
               CreditScore.review_status == ReviewStatus.PENDING)
    approved = context.session.scalar(select(func.count()).select_from(CreditScore).where(*pending)) or 0
    context.session.execute(
        update(CreditScore).where(CreditScore.round_id == rid, CreditScore.region_code == county,
                                  CreditScore.review_status == ReviewStatus.PENDING)
        .values(review_status=ReviewStatus.APPROVED, county_by=context.actor.username)
        .execution_options(synchronize_session=False))
    audit.record(context.session, context.actor, "credit.round_county", instance_id=context.instance.id,
                 payload={"round": rid, "county": county, "approved_unchanged": approved})


@HOOKS.after("city_review")
def _city_reviewed(context: StepContext) -> None:
    city, rid = str(context.data["city"]), int(context.data["round_id"])
    context.session.execute(
        update(CreditScore).where(CreditScore.round_id == rid, CreditScore.region_code.startswith(city[:4]),
                                  CreditScore.city_by.is_(None))
        .values(city_by=context.actor.username).execution_options(synchronize_session=False))
    audit.record(context.session, context.actor, "credit.round_city", instance_id=context.instance.id,
                 payload={"round": rid, "city": city})


@HOOKS.after("province_approve")
def _put_under_notice(context: StepContext) -> None:
    """The reviewed levels go under public notice for the configured period."""
    session, rid = context.session, int(context.data["round_id"])
    credit_round = _round(session, rid)
    match = DAYS.match(str(context.data.get("notice_period") or ""))
    if match is None:
        raise InvalidInput("公示期须以天计，如 P15D (notice period must be in days)")
    scores = list(session.scalars(select(CreditScore).where(CreditScore.round_id == rid)
                                  .order_by(CreditScore.region_code, CreditScore.enterprise_code)))
    notice = ratings.propose(
        session, context.actor, year=credit_round.year, region_code=PROVINCE_REGION, notice_days=int(match[1]),
        title=f"{credit_round.year} 年度广东省企业环境信用评价拟评价结果公示",
        ratings=[ratings.ProposedRating(s.enterprise_code, s.enterprise_name, s.region_code, s.level)
                 for s in scores])
    notice.instance_id = context.instance.id
    credit_round.notice_id, credit_round.status = notice.id, RoundStatus.NOTICE
    rating_of = select(CreditRating.id).where(CreditRating.notice_id == notice.id,
                                              CreditRating.enterprise_code == CreditScore.enterprise_code)
    session.execute(update(CreditScore).where(CreditScore.round_id == rid)
                    .values(rating_id=rating_of.scalar_subquery()).execution_options(synchronize_session=False))


@HOOKS.after("publish")
def _publish(context: StepContext) -> None:
    """Publish (refused while objections are open), keep the levels objections corrected, notify enterprises."""
    session, rid = context.session, int(context.data["round_id"])
    credit_round = _round(session, rid)
    if credit_round.notice_id is None:
        raise Conflict("the round has no notice")
    ratings.publish(session, context.actor, credit_round.notice_id)
    level_now = select(CreditRating.level).where(CreditRating.id == CreditScore.rating_id).scalar_subquery()
    session.execute(update(CreditScore).where(CreditScore.round_id == rid).values(level=level_now)
                    .execution_options(synchronize_session=False))
    credit_round.status, credit_round.published_at = RoundStatus.PUBLISHED, utcnow()
    _notify(session, credit_round, context.instance.id)
    audit.record(session, context.actor, "credit.round_publish", instance_id=context.instance.id,
                 payload={"round": rid, "year": credit_round.year, "notice": credit_round.notice_id})


def _notify(session: Session, credit_round: CreditRound, instance_id: int) -> None:
    """One notification per rated enterprise (set-based), read by the enterprise's users."""
    title = f"{credit_round.year} 年度企业环境信用评价结果已公布"
    session.execute(insert(Notification).from_select(
        ["kind", "title", "body", "instance_id", "role", "region_code", "enterprise_code", "created_at"],
        select(literal(NotificationKind.DECISION.value), literal(title),
               literal("评价等级及得分明细见企业门户“环境信用”页 (see the portal's credit page)"),
               literal(instance_id), literal(Role.ENTERPRISE.value), CreditScore.region_code,
               CreditScore.enterprise_code, literal(utcnow(), Notification.created_at.type))
        .where(CreditScore.round_id == credit_round.id)))


def rule_set_of(session: Session, credit_round: CreditRound) -> dict[str, Any]:
    row = session.get(CreditRuleSet, credit_round.rule_set_id)
    assert row is not None
    return row.rules


def rounds(session: Session, limit: int = 20) -> list[CreditRound]:
    return list(session.scalars(select(CreditRound).order_by(CreditRound.year.desc(), CreditRound.id.desc())
                                .limit(limit)))


def get_round(session: Session, round_id: int) -> CreditRound:
    """:raises NotFound: no such round."""
    return _round(session, round_id)


def region_scores(session: Session, actor: Actor, round_id: int, region_code: str | None = None,
                  only_changed: bool = False) -> list[CreditScore]:
    """A round's proposals in the actor's area (a county's 300 at once), optionally only the adjusted ones.

    :raises NotAllowed: unless a reviewer or administrator.
    """
    if not (actor.is_admin or actor.roles & {Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER}):
        raise NotAllowed("only reviewers see round proposals")
    area = region_code or actor.region_code or PROVINCE_REGION
    if not _reviews(actor, area):
        raise NotAllowed(f"{actor.username} does not review region {area}")
    query = select(CreditScore).where(CreditScore.round_id == round_id)
    query = query.where(ratings_area(area))
    if only_changed:
        query = query.where(CreditScore.review_status == ReviewStatus.ADJUSTED)
    return list(session.scalars(query.order_by(CreditScore.region_code, CreditScore.enterprise_code)))


def ratings_area(area: str) -> Any:
    if area.endswith("0000"):
        return CreditScore.region_code.startswith(area[:2])
    if area.endswith("00"):
        return CreditScore.region_code.startswith(area[:4])
    return CreditScore.region_code == area


def level_counts(session: Session, round_id: int) -> dict[int, int]:
    rows = session.execute(select(CreditScore.level, func.count()).where(CreditScore.round_id == round_id)
                           .group_by(CreditScore.level)).all()
    return {int(level): int(n) for level, n in rows}





@dataclass(frozen=True)
class ReviewPage:
    credit_round: CreditRound
    area: str
    scores: list[CreditScore]
    tasks: list[HumanTask]  # the actor's ready review tasks of this round (one per county or city)
    counts: dict[int, int]
    changed: int


def review_page(session: Session, actor: Actor, round_id: int, region_code: str | None,
                only_changed: bool) -> ReviewPage:
    """The batch review of a round in the actor's area: every proposal, the adjusted ones, the task to complete.

    :raises NotFound: no such round.
    :raises NotAllowed: see :func:`region_scores`.
    """
    credit_round = _round(session, round_id)
    area = region_code or actor.region_code or PROVINCE_REGION
    scores = region_scores(session, actor, round_id, area)
    ready = [t for t in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == credit_round.instance_id, HumanTask.status == TaskStatus.READY,
        HumanTask.spec_name.in_(("county_review [child]", "city_review [child]", "county_review", "city_review"))))
        if can_work(actor, t.role, t.region_code, t.enterprise_code)]
    counts: dict[int, int] = {}
    for score in scores:
        counts[score.level] = counts.get(score.level, 0) + 1
    changed = [s for s in scores if s.review_status == ReviewStatus.ADJUSTED]
    return ReviewPage(credit_round, area, changed if only_changed else scores, ready, counts, len(changed))
