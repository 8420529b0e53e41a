"""Demo libraries: the starter set (idempotent) and two drafts — one under province review, one returned."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.emergency.library import entries, review, seed
from engine.emergency.library.models import LibraryEntry
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask, TaskStatus

log = logging.getLogger(__name__)

EDITOR = Actor("admin", frozenset({Role.ADMIN}), "440000", display_name="系统管理员")
REVIEWER = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")
UNDER_REVIEW = {"name": "泄漏液氨的水幕稀释吸收", "substances": ["7664-41-7"], "scenarios": ["储罐泄漏", "管道泄漏"],
                "method": "在泄漏点下风向设置水幕或喷雾状水，稀释、吸收扩散的氨气；收集处置含氨废水，防止进入水体"}
RETURNED = {"name": "氯气泄漏的碱液吸收", "substances": ["7782-50-5"], "scenarios": ["钢瓶泄漏"],
            "method": "将泄漏钢瓶移入碱液（氢氧化钠溶液）池中吸收"}


def seed_libraries(session: Session) -> None:
    """Publish the starter libraries; the first time, also draft two techniques and send them to review."""
    seed.seed(session)
    if session.scalar(select(LibraryEntry.id).where(LibraryEntry.title == UNDER_REVIEW["name"])) is not None:
        return
    waiting = entries.create_draft(session, EDITOR, "technique", UNDER_REVIEW, source="演示数据（demo）")
    review.submit(session, EDITOR, waiting.id, note="新增应急技术，请审核")
    returned = entries.create_draft(session, EDITOR, "technique", RETURNED, source="演示数据（demo）")
    instance = review.submit(session, EDITOR, returned.id)
    step = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.status == TaskStatus.READY)).one()
    tasks.complete(session, REVIEWER, step.id, {"decision": "return", "remarks": "请补充设备与材料、适用局限和参考文献"})
    log.info("demo library entries under review: %s, returned: %s", waiting.entry_id, returned.entry_id)
