"""Consequences of published ratings as data feeds: the special class of the random-inspection directory
(yellow and red enterprises) and the published levels the tax side reads.

Only published ratings count; an enterprise's level is that of its newest published year (after any
objection correction or repair, which move the rating itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.credit.models import LEVEL_COLOURS, LEVEL_NAMES, CreditLevel, CreditRating, RatingStatus
from engine.errors import NotAllowed

SPECIAL_CLASS_LEVELS = (CreditLevel.WARNING, CreditLevel.POOR)  # 警示 (yellow) and 不良 (red)


@dataclass(frozen=True)
class PublishedLevel:
    enterprise_code: str
    enterprise_name: str
    region_code: str
    year: int
    level: int
    level_name: str
    colour: str
    published_at: datetime | None


def _newest_published() -> tuple[object, object]:
    newest = (select(CreditRating.enterprise_code, func.max(CreditRating.year).label("year"))
              .where(CreditRating.status == RatingStatus.PUBLISHED).group_by(CreditRating.enterprise_code).subquery())
    return newest, (CreditRating.enterprise_code == newest.c.enterprise_code) & (CreditRating.year == newest.c.year)


def _row(r: CreditRating) -> PublishedLevel:
    return PublishedLevel(r.enterprise_code, r.enterprise_name, r.region_code, r.year, r.level,
                          LEVEL_NAMES[r.level], LEVEL_COLOURS[r.level], r.published_at)


def special_class(session: Session) -> list[PublishedLevel]:
    """Enterprises whose current published level is yellow or red: the random-inspection special class."""
    newest, joined = _newest_published()
    rows = session.scalars(select(CreditRating).join(newest, joined)  # type: ignore[arg-type]
                           .where(CreditRating.status == RatingStatus.PUBLISHED,
                                  CreditRating.level.in_([int(level) for level in SPECIAL_CLASS_LEVELS]))
                           .order_by(CreditRating.region_code, CreditRating.enterprise_code))
    return [_row(r) for r in rows]


def require_feed_reader(actor: Actor) -> None:
    """:raises NotAllowed: unless the tax side's client, a reviewer or an administrator."""
    if not (actor.is_admin or actor.roles & {Role.TAX_CLIENT, Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER,
                                             Role.COUNTY_REVIEWER}):
        raise NotAllowed(f"{actor.username} may not read the credit feeds")


def published_levels(session: Session, actor: Actor, *, enterprise_code: str | None = None, year: int | None = None,
                     page: int = 1, per_page: int = 100) -> list[PublishedLevel]:
    """Published levels (the newest year per enterprise, or the given year), for the tax side.

    :raises NotAllowed: see :func:`require_feed_reader`.
    """
    require_feed_reader(actor)
    query = select(CreditRating).where(CreditRating.status == RatingStatus.PUBLISHED)
    if year is not None:
        query = query.where(CreditRating.year == year)
    else:
        newest, joined = _newest_published()
        query = query.join(newest, joined)  # type: ignore[arg-type]
    if enterprise_code:
        query = query.where(CreditRating.enterprise_code == enterprise_code)
    rows = session.scalars(query.order_by(CreditRating.enterprise_code, CreditRating.year)
                           .limit(per_page).offset((page - 1) * per_page))
    return [_row(r) for r in rows]


def special_class_for(session: Session, actor: Actor) -> list[PublishedLevel]:
    """:func:`special_class`, for a feed reader. :raises NotAllowed: see :func:`require_feed_reader`."""
    require_feed_reader(actor)
    return special_class(session)
