"""The demo shows the starter libraries, an entry under province review and a returned one."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.demo.libraries import seed_libraries
from engine.emergency.library import entries
from engine.emergency.library.models import LibraryEntry
from engine.workflow.models import HumanTask, TaskStatus

pytestmark = pytest.mark.usefixtures("deployed")


def test_demo_libraries(session: Session) -> None:
    seed_libraries(session)
    seed_libraries(session)
    assert entries.counts(session)["chemical"] >= 60
    states = dict(session.execute(select(LibraryEntry.title, LibraryEntry.status)
                                  .where(LibraryEntry.library == "technique")).all())
    assert states["泄漏液氨的水幕稀释吸收"] == "under_review" and states["氯气泄漏的碱液吸收"] == "returned"
    waiting = session.scalars(select(HumanTask.spec_name).where(
        HumanTask.process_key == "library_entry_review", HumanTask.status == TaskStatus.READY)).all()
    assert sorted(waiting) == ["review", "submit"]
