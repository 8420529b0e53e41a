"""Enterprise credit ratings: proposals under public notice, publication, level changes with full history."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.credit.models import (
    LEVEL_NAMES,
    CreditObjection,
    CreditRating,
    NoticeKind,
    ObjectionStatus,
    PublicNotice,
    RatingChange,
    RatingStatus,
)
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.identifiers import valid_credit_code, valid_region
from engine.instances.casework import local_date
from engine.scoping import can_see_instance, covers_region
from engine.workflow.models import InstanceStatus, ProcessInstance

log = logging.getLogger(__name__)

ASSESSING_LEVELS = ("county", "city")
DECIDING_LEVELS = ("province", "city")
MAX_NOTICE_DAYS = 90


@dataclass(frozen=True)
class ProposedRating:
    """One enterprise's proposed level in a rating round."""

    enterprise_code: str
    enterprise_name: str
    region_code: str
    level: int
    assessing_level: str = "county"
    deciding_level: str = "province"


def level_name(level: int | None) -> str:
    return LEVEL_NAMES.get(level or 0, "—")


def propose(
    session: Session, actor: Actor, *, year: int, title: str, region_code: str, notice_days: int,
    ratings: Sequence[ProposedRating], starts_at: datetime | None = None,
) -> PublicNotice:
    """Put a round of proposed ratings under public notice (拟评价结果公示) for ``notice_days`` days.

    :raises NotAllowed: unless the actor is an admin, or a province or city reviewer covering the region.
    :raises InvalidInput: naming the rating or value that is wrong.
    """
    _require_rater(actor, region_code)
    if not 1 <= notice_days <= MAX_NOTICE_DAYS:
        raise InvalidInput("invalid notice period", fields={"notice_days": [f"须在 1 到 {MAX_NOTICE_DAYS} 天之间"]})
    start = starts_at or utcnow()
    notice = PublicNotice(kind=NoticeKind.RATING, title=title[:300], region_code=region_code, starts_at=start,
                          ends_at=start + timedelta(days=notice_days), created_by=actor.username)
    session.add(notice)
    session.flush()
    for proposed in ratings:
        _check_proposal(proposed, region_code)
        rating = CreditRating(
            enterprise_code=proposed.enterprise_code, enterprise_name=proposed.enterprise_name[:200],
            region_code=proposed.region_code, year=year, level=proposed.level, status=RatingStatus.PROPOSED,
            assessing_level=proposed.assessing_level, deciding_level=proposed.deciding_level, notice_id=notice.id,
        )
        session.add(rating)
        session.flush()
        _history(session, rating, None, proposed.level, "proposed", actor, None, title)
    audit.record(session, actor, "credit.propose", payload={
        "notice": notice.id, "year": year, "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "ratings": [{"enterprise": r.enterprise_code, "level": r.level} for r in ratings]})
    log.info("notice %s: %d proposed ratings for %s", notice.id, len(ratings), year)
    return notice


def _require_rater(actor: Actor, region_code: str) -> None:
    if actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles:
        return
    if Role.CITY_REVIEWER in actor.roles and covers_region(Role.CITY_REVIEWER, actor.region_code, region_code):
        return
    raise NotAllowed(f"{actor.username} may not publish ratings for region {region_code}")


def _check_proposal(proposed: ProposedRating, region_code: str) -> None:
    problems: list[str] = []
    if not valid_credit_code(proposed.enterprise_code):
        problems.append("统一社会信用代码无效 (invalid credit code)")
    if not valid_region(proposed.region_code) or not within(proposed.region_code, region_code):
        problems.append("行政区划不在公示范围内 (region outside the notice)")
    if proposed.level not in LEVEL_NAMES:
        problems.append("等级须为 1–4 (level must be 1–4)")
    if proposed.assessing_level not in ASSESSING_LEVELS or proposed.deciding_level not in DECIDING_LEVELS:
        problems.append("评价层级无效 (invalid assessing or deciding level)")
    if problems:
        raise InvalidInput(f"rating of {proposed.enterprise_code} is invalid",
                           fields={proposed.enterprise_code: problems})


def within(region_code: str, area_code: str) -> bool:
    """Whether a region lies in an area: the province (xx0000), a city (xxxx00) or the region itself."""
    if area_code.endswith("0000"):
        return region_code.startswith(area_code[:2])
    if area_code.endswith("00"):
        return region_code.startswith(area_code[:4])
    return region_code == area_code


def rating_under_notice(session: Session, enterprise_code: str) -> tuple[CreditRating, PublicNotice] | None:
    """The enterprise's newest proposed rating with its notice (whether or not the notice is still open)."""
    row = session.execute(
        select(CreditRating, PublicNotice).join(PublicNotice, PublicNotice.id == CreditRating.notice_id)
        .where(CreditRating.enterprise_code == enterprise_code, CreditRating.status == RatingStatus.PROPOSED)
        .order_by(CreditRating.year.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def latest_published(session: Session, enterprise_code: str) -> CreditRating | None:
    return session.scalars(
        select(CreditRating).where(CreditRating.enterprise_code == enterprise_code,
                                   CreditRating.status == RatingStatus.PUBLISHED)
        .order_by(CreditRating.year.desc()).limit(1)
    ).first()


def publish(session: Session, actor: Actor, notice_id: int) -> list[CreditRating]:
    """Publish the ratings of a notice once its period is over and no objection is still open.

    :raises NotFound: no such rating notice.
    :raises Conflict: the notice period is still running, or objections are still being handled.
    """
    notice = session.get(PublicNotice, notice_id) if valid_id(notice_id) else None
    if notice is None or notice.kind != NoticeKind.RATING:
        raise NotFound(f"rating notice {notice_id} not found")
    _require_rater(actor, notice.region_code)
    now = utcnow()
    if notice.ends_at is not None and now < notice.ends_at:
        raise Conflict(f"公示期至 {local_date(notice.ends_at)} 结束，届时方可公布 (the notice period is still running)")
    ratings = list(session.scalars(select(CreditRating).where(
        CreditRating.notice_id == notice.id, CreditRating.status == RatingStatus.PROPOSED)))
    open_objections = session.scalars(
        select(CreditObjection.instance_id).join(ProcessInstance, ProcessInstance.id == CreditObjection.instance_id)
        .where(CreditObjection.rating_id.in_([r.id for r in ratings]), CreditObjection.status == ObjectionStatus.OPEN,
               ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED]))).all()
    if open_objections:
        raise Conflict(f"尚有异议未办结 (objections still open: instances {sorted(open_objections)})")
    for rating in ratings:
        rating.status, rating.published_at, rating.updated_at = RatingStatus.PUBLISHED, now, now
        _history(session, rating, rating.level, rating.level, "published", actor, None, notice.title)
    audit.record(session, actor, "credit.publish", payload={"notice": notice.id, "ratings": [r.id for r in ratings]})
    return ratings


def change_level(
    session: Session, actor: Actor, rating: CreditRating, to_level: int, reason: str, instance_id: int | None,
    note: str = "",
) -> RatingChange:
    """Move a rating to another level and keep the step in its history (and the audit trail)."""
    if to_level not in LEVEL_NAMES:
        raise InvalidInput("invalid level", fields={"level": ["等级须为 1–4 (level must be 1–4)"]})
    change = _history(session, rating, rating.level, to_level, reason, actor, instance_id, note)
    rating.level, rating.updated_at = to_level, utcnow()
    audit.record(session, actor, "credit.level_change", instance_id=instance_id, payload={
        "rating": rating.id, "enterprise": rating.enterprise_code, "from": change.from_level, "to": to_level,
        "reason": reason})
    log.info("rating %s of %s: level %s -> %s (%s)", rating.id, rating.enterprise_code, change.from_level,
             to_level, reason)
    return change


def _history(
    session: Session, rating: CreditRating, from_level: int | None, to_level: int, reason: str, actor: Actor,
    instance_id: int | None, note: str,
) -> RatingChange:
    change = RatingChange(rating_id=rating.id, from_level=from_level, to_level=to_level, reason=reason,
                          instance_id=instance_id, note=note[:2000], changed_by=actor.username)
    session.add(change)
    session.flush()
    return change


def history(session: Session, actor: Actor, rating_id: int) -> list[RatingChange]:
    """A rating's history, oldest first.

    :raises NotFound: when the rating does not exist or lies outside the actor's scope.
    """
    rating = get_rating(session, actor, rating_id)
    return list(session.scalars(
        select(RatingChange).where(RatingChange.rating_id == rating.id).order_by(RatingChange.id)))


def get_rating(session: Session, actor: Actor, rating_id: int) -> CreditRating:
    rating = session.get(CreditRating, rating_id) if valid_id(rating_id) else None
    if rating is None or not can_see_instance(actor, rating.region_code, rating.enterprise_code):
        raise NotFound(f"rating {rating_id} not found")
    return rating


def notices(session: Session, kind: NoticeKind | None = None, limit: int = 100) -> list[PublicNotice]:
    """Public notices, newest first (they are public: no scope)."""
    query = select(PublicNotice).order_by(PublicNotice.starts_at.desc(), PublicNotice.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(PublicNotice.kind == kind)
    return list(session.scalars(query))


def publish_notice(
    session: Session, actor: Actor, kind: NoticeKind, title: str, region_code: str, instance_id: int | None,
    ends_at: datetime | None = None,
) -> PublicNotice:
    """Publish a notice from a process step (an objection's result, a repair's 7-day notice)."""
    notice = PublicNotice(kind=kind, title=title[:300], region_code=region_code, starts_at=utcnow(), ends_at=ends_at,
                          instance_id=instance_id, created_by=actor.username)
    session.add(notice)
    session.flush()
    audit.record(session, actor, "credit.notice", instance_id=instance_id,
                 payload={"notice": notice.id, "kind": kind.value, "title": notice.title,
                          "ends_at": ends_at.isoformat() if ends_at else None})
    return notice
