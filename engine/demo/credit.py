"""Demo credit rating rounds (``ecoloop demo`` only): 2023 published with its breakdowns, 2026 under public notice.

Both go through the real process (``credit_rating_round``): scores computed from the demo's facts, one
county adjustment with reason and evidence, county, city and province steps. The 2023 round's notice is
dated in early 2024 (as it was then) so that it can be published now.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.credit import facts, rounds
from engine.credit.facts import FactInput
from engine.credit.models import CreditRound, CreditScore, PublicNotice
from engine.demo.processes import DEMO_PDF
from engine.evidence import library as evidence
from engine.evidence.filestore import FileStore
from engine.monitoring.models import Enterprise
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, TaskStatus

PROVINCE = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")
CHINA = timezone(timedelta(hours=8))


def seed_credit_rounds(session: Session, store: FileStore) -> None:
    """Idempotent: nothing when a round exists."""
    if session.scalar(select(CreditRound.id).limit(1)) is not None:
        return
    codes = list(session.execute(select(Enterprise.credit_code, Enterprise.region_code).order_by(Enterprise.id)))
    for year, (code, region) in zip((2023, 2026), codes):
        facts.add(session, PROVINCE, FactInput(code, "complaint_verified", date(year, 5, 12), f"信访-{year}-031"),
                  "12369 环保举报平台（演示）")
    if len(codes) > 1:
        facts.add(session, PROVINCE, FactInput(codes[1][0], "penalty", date(2023, 8, 3), "粤环罚〔2023〕57号"),
                  "行政处罚决定书（演示）")
    _round(session, store, 2023, publish=True)
    _round(session, store, 2026, publish=False)


def _round(session: Session, store: FileStore, year: int, *, publish: bool) -> None:
    instance = rounds.open_round(session, PROVINCE, year)
    credit_round = session.scalars(select(CreditRound).where(CreditRound.year == year)).one()
    first = session.scalars(select(CreditScore).where(CreditScore.round_id == credit_round.id)
                            .order_by(CreditScore.id).limit(1)).first()
    if first is not None and first.proposed_level > 1:
        county = Actor(f"county-{first.region_code}", frozenset({Role.COUNTY_REVIEWER}), first.region_code)
        proof = evidence.upload(session, store, county, io.BytesIO(DEMO_PDF + f"% {year}\n".encode()),
                                "清洁生产审核报告.pdf")
        rounds.adjust(session, county, first.id, first.proposed_level - 1, "企业已通过清洁生产审核（演示）", [proof.id])
    for step, role in (("county_review", Role.COUNTY_REVIEWER), ("city_review", Role.CITY_REVIEWER)):
        for task in _ready(session, instance.id, step):
            tasks.complete(session, Actor(f"{role.value}-{task.region_code}", frozenset({role}), task.region_code),
                           task.id, {"opinion": "同意"})
    for task in _ready(session, instance.id, "province_approve"):
        tasks.complete(session, PROVINCE, task.id, {"opinion": "同意公示"})
    if not publish:
        return
    notice = session.get(PublicNotice, credit_round.notice_id)
    assert notice is not None
    notice.starts_at = datetime(year + 1, 3, 1, tzinfo=CHINA)
    notice.ends_at = notice.starts_at + timedelta(days=15)
    for task in _ready(session, instance.id, "publish"):
        tasks.complete(session, PROVINCE, task.id, {"opinion": "公示期满无异议，正式公布"})


def _ready(session: Session, instance_id: int, step: str) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY,
        HumanTask.spec_name.in_((step, f"{step} [child]"))).order_by(HumanTask.region_code)))

