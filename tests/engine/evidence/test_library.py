"""Evidence: an owner's library in a real file store, linked to tasks, read back only within scope."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit.models import AuditEvent
from engine.errors import AttachmentNotFound, InvalidFile, InvalidForm, NotAllowed
from engine.evidence import library as evidence
from engine.evidence.filestore import LocalFileStore
from engine.evidence.models import Attachment
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    CITY_SZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    PROVINCE,
)
from tests.support.flows import PDF, pdf_stream, ready_task, start_anomaly

pytestmark = pytest.mark.usefixtures("deployed")


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "evidence")


@pytest.fixture
def explain(session: Session) -> HumanTask:
    return ready_task(session, start_anomaly(session).id)


def upload(session: Session, store: LocalFileStore, actor: Actor, tag: str = "", name: str = "停产证明.pdf") -> Attachment:
    return evidence.upload(session, store, actor, pdf_stream(tag), name)


def explain_with(session: Session, actor: Actor, task: HumanTask, **data: object) -> HumanTask:
    return tasks.complete(session, actor, task.id, {"reason": "maintenance", "description": "年度检修", **data})


def test_upload_goes_into_the_enterprise_library(session: Session, store: LocalFileStore) -> None:
    attachment = upload(session, store, ENT_TIANHE, name="../../etc/停产证明.pdf")
    assert (attachment.owner, attachment.media_type, attachment.size) == (
        f"enterprise:{ENT_TIANHE.enterprise_code}", "application/pdf", len(PDF))
    assert attachment.display_name == "停产证明.pdf"
    assert store.exists(attachment.sha256)
    colleague = Actor("ent-tianhe-2", ENT_TIANHE.roles, ENT_TIANHE.region_code, ENT_TIANHE.enterprise_code)
    assert [a.id for a in evidence.library(session, colleague)] == [attachment.id]
    assert evidence.library(session, ENT_BAIYUN) == []


def test_same_bytes_twice_is_one_attachment(session: Session, store: LocalFileStore) -> None:
    first = upload(session, store, ENT_TIANHE, name="a.pdf")
    again = upload(session, store, ENT_TIANHE, name="b.pdf")
    other = upload(session, store, ENT_TIANHE, tag="v2")
    assert again.id == first.id and other.id != first.id
    assert {a.id for a in evidence.library(session, ENT_TIANHE)} == {first.id, other.id}


def test_same_bytes_in_two_libraries_are_two_attachments(session: Session, store: LocalFileStore) -> None:
    mine, theirs = upload(session, store, ENT_TIANHE), upload(session, store, ENT_BAIYUN)
    assert mine.id != theirs.id and mine.sha256 == theirs.sha256


def test_refused_uploads(session: Session, store: LocalFileStore) -> None:
    with pytest.raises(NotAllowed):
        upload(session, store, ADMIN)
    with pytest.raises(InvalidFile):
        evidence.upload(session, store, ENT_TIANHE, io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "x.pdf")
    assert evidence.library(session, ENT_TIANHE) == []


def test_evidence_is_linked_on_completing_the_explanation(
    session: Session, store: LocalFileStore, explain: HumanTask
) -> None:
    first, second = upload(session, store, ENT_TIANHE), upload(session, store, ENT_TIANHE, tag="2")
    explain_with(session, ENT_TIANHE, explain, evidence=[second.id, first.id, second.id])
    assert [a.id for a in evidence.task_attachments(session, explain.id)] == [second.id, first.id]
    assert explain.submitted["evidence"] == [second.id, first.id, second.id]  # type: ignore[index]


def test_evidence_from_another_enterprise_is_refused(
    session: Session, store: LocalFileStore, explain: HumanTask
) -> None:
    foreign = upload(session, store, ENT_BAIYUN)
    with pytest.raises(InvalidForm) as caught:
        explain_with(session, ENT_TIANHE, explain, evidence=[foreign.id])
    assert list(caught.value.fields) == ["evidence"]
    assert str(foreign.id) in caught.value.fields["evidence"][0]
    assert evidence.task_attachments(session, explain.id) == []
    assert ready_task(session, explain.instance_id).id == explain.id


def test_unknown_evidence_id_is_refused(session: Session, explain: HumanTask) -> None:
    with pytest.raises(InvalidForm) as caught:
        explain_with(session, ENT_TIANHE, explain, evidence=[987_654])
    assert list(caught.value.fields) == ["evidence"]


def test_maintenance_requires_evidence(session: Session, explain: HumanTask) -> None:
    missing_evidence: list[dict[str, object]] = [{}, {"evidence": []}, {"evidence": None}]
    for missing in missing_evidence:
        with pytest.raises(InvalidForm) as caught:
            explain_with(session, ENT_TIANHE, explain, **missing)
        assert list(caught.value.fields) == ["evidence"]
    tasks.complete(session, ENT_TIANHE, explain.id, {"reason": "other", "description": "无需证明"})
    assert explain.status == "completed"


@pytest.fixture
def linked(session: Session, store: LocalFileStore, explain: HumanTask) -> Attachment:
    """A Tianhe enterprise file, linked as evidence to a Tianhe explanation."""
    attachment = upload(session, store, ENT_TIANHE)
    explain_with(session, ENT_TIANHE, explain, evidence=[attachment.id])
    return attachment


@pytest.mark.parametrize("reader", [ENT_TIANHE, COUNTY_TIANHE, CITY_GZ, PROVINCE, ADMIN], ids=lambda a: a.username)
def test_owner_and_reviewers_in_scope_may_read(
    session: Session, store: LocalFileStore, linked: Attachment, reader: Actor
) -> None:
    attachment, stream = evidence.open_attachment(session, store, reader, linked.id)
    with stream:
        assert stream.read() == PDF
    assert attachment.id == linked.id
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (last.action, last.actor, last.payload) == ("evidence.download", reader.username, {"attachment": linked.id})


@pytest.mark.parametrize("reader", [COUNTY_BAIYUN, CITY_SZ, ENT_BAIYUN], ids=lambda a: a.username)
def test_readers_out_of_scope_are_told_not_found(
    session: Session, store: LocalFileStore, linked: Attachment, reader: Actor
) -> None:
    with pytest.raises(AttachmentNotFound):
        evidence.open_attachment(session, store, reader, linked.id)


def test_unlinked_file_is_private_to_its_owner(session: Session, store: LocalFileStore) -> None:
    attachment = upload(session, store, ENT_TIANHE)
    with pytest.raises(AttachmentNotFound):
        evidence.open_attachment(session, store, COUNTY_TIANHE, attachment.id)
    with pytest.raises(AttachmentNotFound):
        evidence.open_attachment(session, store, ENT_TIANHE, attachment.id + 1000)


def test_same_file_linked_in_another_enterprise_instance_stays_scoped(session: Session, store: LocalFileStore) -> None:
    # Baiyun uploads the same bytes: its own attachment row, so linking it does not open Tianhe's row
    tianhe = upload(session, store, ENT_TIANHE)
    baiyun_task = ready_task(session, start_anomaly(session, region_code="440111", enterprise_code=ENTERPRISE_BAIYUN).id)
    explain_with(session, ENT_BAIYUN, baiyun_task, evidence=[upload(session, store, ENT_BAIYUN).id])
    with pytest.raises(AttachmentNotFound):
        evidence.open_attachment(session, store, COUNTY_BAIYUN, tianhe.id)


@pytest.mark.parametrize("attachment_id", [2**31, 2**63], ids=["past-int32", "past-int64"])
def test_out_of_range_evidence_id_is_an_invalid_form(
    session: Session, explain: HumanTask, attachment_id: int
) -> None:
    # ids come from the enterprise's form; the database must never see one its column cannot hold
    with pytest.raises(InvalidForm) as caught:
        explain_with(session, ENT_TIANHE, explain, evidence=[attachment_id])
    assert list(caught.value.fields) == ["evidence"]


@pytest.mark.parametrize("attachment_id", [0, -1, 2**31, 2**63], ids=["zero", "negative", "past-int32", "past-int64"])
def test_out_of_range_attachment_id_is_not_found(
    session: Session, store: LocalFileStore, attachment_id: int
) -> None:
    with pytest.raises(AttachmentNotFound):
        evidence.open_attachment(session, store, ENT_TIANHE, attachment_id)
