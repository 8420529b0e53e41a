"""Reviewed intake: draft → submit → province review → publish (new version) or return with remarks; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.emergency.library import entries, review
from engine.errors import Conflict, NotAllowed, NotFound
from tests.support.actors import ADMIN, CITY_GZ, PROVINCE
from tests.support.processes import complete, waiting_at

pytestmark = pytest.mark.usefixtures("deployed")

CHLORINE = {"name_zh": "氯", "aliases": ["氯气"], "cas": "7782-50-5", "critical_quantity_t": 5}


def test_draft_reviewed_published_then_revised_as_version_two(session: Session) -> None:
    draft = entries.create_draft(session, ADMIN, "chemical", CHLORINE, source="GB 18218-2018 表1")
    instance = review.submit(session, ADMIN, draft.id, note="新增")
    assert waiting_at(session, instance.id) == ["review"]
    assert draft.status == "under_review"
    with pytest.raises(NotFound):
        entries.get_entry(session, CITY_GZ, draft.entry_id)  # never published: readers do not see it
    complete(session, PROVINCE, instance.id, "review", {"decision": "return", "remarks": "补充UN号"})
    assert (draft.status, draft.remarks) == ("returned", "补充UN号")
    entries.revise(session, ADMIN, draft.entry_id, {**CHLORINE, "un_number": "1017"})
    review.submit(session, ADMIN, draft.id)
    complete(session, PROVINCE, instance.id, "review", {"decision": "publish"})
    entry = entries.get_entry(session, CITY_GZ, draft.entry_id)
    assert (entry.status, entry.published_version) == ("published", 1)

    second = entries.revise(session, ADMIN, entry.id, {**CHLORINE, "un_number": "1017", "name_en": "chlorine"})
    assert second.number == 2 and second.status == "draft"
    again = review.submit(session, ADMIN, second.id)
    complete(session, PROVINCE, again.id, "review", {"decision": "publish"})
    numbers = [(v.number, v.status) for v in entries.versions(session, CITY_GZ, entry.id)]
    assert numbers == [(2, "published"), (1, "superseded")]
    assert entries.version(session, CITY_GZ, entry.id, 1).fields.get("name_en") is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("library.%"))).all()
    assert actions.count("library.published") == 2 and "library.returned" in actions


def test_only_editors_draft_and_submit(session: Session) -> None:
    with pytest.raises(NotAllowed):
        entries.create_draft(session, PROVINCE, "chemical", CHLORINE)
    draft = entries.create_draft(session, ADMIN, "chemical", CHLORINE)
    with pytest.raises(NotAllowed):
        review.submit(session, PROVINCE, draft.id)
    review.submit(session, ADMIN, draft.id)
    with pytest.raises(Conflict):
        review.submit(session, ADMIN, draft.id)
    with pytest.raises(Conflict):
        entries.revise(session, ADMIN, draft.entry_id, CHLORINE)
