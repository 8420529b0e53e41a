"""Attachments of library entries: added and removed as a reviewed change, readable with their version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.emergency.library import attachments, entries, review, seed
from engine.emergency.library.models import LibraryEntry
from engine.errors import AttachmentNotFound, NotAllowed, NotFound
from engine.evidence.filestore import LocalFileStore
from tests.support.actors import ADMIN, COUNTY_TIANHE, PROVINCE
from tests.support.flows import pdf_stream
from tests.support.processes import complete

pytestmark = pytest.mark.usefixtures("deployed")


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def _chlorine(session: Session) -> int:
    seed.seed(session)
    return session.scalars(select(LibraryEntry.id).where(LibraryEntry.title == "氯")).one()


def test_an_attachment_is_a_reviewed_change_readable_with_its_version(session: Session, store: LocalFileStore) -> None:
    entry_id = _chlorine(session)
    draft = attachments.add(session, store, ADMIN, entry_id, pdf_stream("sds"), "氯 安全技术说明书.pdf")
    assert (draft.number, draft.status) == (2, "draft") and len(draft.attachments) == 1
    with pytest.raises(NotFound):
        attachments.open_file(session, store, COUNTY_TIANHE, entry_id, 2, draft.attachments[0])
    instance = review.submit(session, ADMIN, draft.id)
    complete(session, PROVINCE, instance.id, "review", {"decision": "publish"})
    found, stream = attachments.open_file(session, store, COUNTY_TIANHE, entry_id, 2, draft.attachments[0])
    assert found.display_name.endswith(".pdf") and stream.read().startswith(b"%PDF")
    with pytest.raises(AttachmentNotFound):
        attachments.open_file(session, store, COUNTY_TIANHE, entry_id, 1, draft.attachments[0])
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("library.attachment%"))).all() == \
        ["library.attachment_added"]


def test_removing_drafts_a_version_without_it_and_only_editors_change_files(
        session: Session, store: LocalFileStore) -> None:
    entry_id = _chlorine(session)
    draft = attachments.add(session, store, ADMIN, entry_id, pdf_stream("a"), "a.pdf")
    again = attachments.add(session, store, ADMIN, entry_id, pdf_stream("b"), "b.pdf")
    assert again.id == draft.id and len(again.attachments) == 2  # the open draft is updated, not a third version
    first, second = again.attachments
    assert attachments.remove(session, ADMIN, entry_id, first).attachments == [second]
    with pytest.raises(AttachmentNotFound):
        attachments.remove(session, ADMIN, entry_id, first)
    with pytest.raises(NotAllowed):
        attachments.add(session, store, PROVINCE, entry_id, pdf_stream("c"), "c.pdf")
    assert entries.current(session, PROVINCE, entry_id).attachments == []
