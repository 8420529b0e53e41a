"""The audit chain: verification finds the first edited, deleted or reordered event; instance timelines."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.audit.models import AuditChainHead, AuditEvent
from engine.errors import InstanceNotFound
from engine.instances import service as instances
from engine.tasks import actions as tasks
from tests.support.actors import (
    ADMIN,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
)
from tests.support.flows import EXPLANATION, ready_task, start_anomaly

CONTENT = (AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.instance_id, AuditEvent.task_id,
           AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.hash)


@pytest.fixture
def chain(session: Session) -> list[AuditEvent]:
    """Five fresh events at the end of the chain (earlier events, if any, are left alone)."""
    events = [
        audit.record(session, ADMIN, "probe.event", instance_id=n, task_id=f"t-{n}", payload={"n": n, "名": "值"})
        for n in range(5)
    ]
    session.expunge_all()  # tampering below goes straight to the table
    return events


def test_good_chain_verifies(session: Session, chain: list[AuditEvent]) -> None:
    report = audit.verify(session)
    assert report.ok and report.broken_at is None
    assert report.checked == chain[-1].seq
    assert [e.seq for e in chain] == list(range(chain[0].seq, chain[0].seq + 5))
    previous = session.get(AuditEvent, chain[0].seq - 1)
    assert chain[0].prev_hash == (previous.hash if previous else audit.GENESIS_HASH)
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:]))


@pytest.mark.parametrize(
    ("field", "value"),
    [("seq", 10_000), ("actor", "x"), ("action", "x"), ("instance_id", 10_000), ("task_id", "x"),
     ("payload", {"n": -1}), ("prev_hash", "f" * 64)],
)
def test_hash_covers_every_field(chain: list[AuditEvent], field: str, value: object) -> None:
    event = chain[2]
    assert audit.event_hash(event) == event.hash
    setattr(event, field, value)
    assert audit.event_hash(event) != event.hash


def test_hash_covers_the_time(chain: list[AuditEvent]) -> None:
    event = chain[2]
    event.at = event.at.replace(microsecond=(event.at.microsecond + 1) % 1_000_000)
    assert audit.event_hash(event) != event.hash


def test_edited_payload_breaks_at_that_event(session: Session, chain: list[AuditEvent]) -> None:
    session.execute(update(AuditEvent).where(AuditEvent.seq == chain[2].seq).values(payload={"n": 999}))
    report = audit.verify(session)
    assert (report.ok, report.broken_at) == (False, chain[2].seq)
    assert "edited" in report.reason


def test_edited_and_rehashed_event_breaks_at_its_successor(session: Session, chain: list[AuditEvent]) -> None:
    forged = chain[2]
    forged.actor = "someone-else"
    session.execute(update(AuditEvent).where(AuditEvent.seq == forged.seq)
                    .values(actor=forged.actor, hash=audit.event_hash(forged)))
    report = audit.verify(session)
    assert report.broken_at == chain[3].seq
    assert "does not follow its predecessor" in report.reason


def test_deleted_middle_event_is_reported_missing(session: Session, chain: list[AuditEvent]) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.seq == chain[1].seq))
    report = audit.verify(session)
    assert report.broken_at == chain[1].seq
    assert "missing" in report.reason


def test_deleted_last_event_is_reported(session: Session, chain: list[AuditEvent]) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.seq == chain[-1].seq))
    report = audit.verify(session)
    assert (report.broken_at, report.checked) == (chain[-1].seq, chain[-1].seq - 1)
    assert "deleted" in report.reason


def test_deleted_last_event_with_the_head_wound_back_is_reported(session: Session, chain: list[AuditEvent]) -> None:
    """Deleting the last event and setting the head's number back is not enough: the head holds its hash."""
    session.execute(delete(AuditEvent).where(AuditEvent.seq == chain[-1].seq))
    session.execute(update(AuditChainHead).values(last_seq=chain[-2].seq))
    report = audit.verify(session)
    assert (report.broken_at, report.checked) == (chain[-2].seq, chain[-2].seq)
    assert "head" in report.reason


def test_swapped_events_break_at_the_first_of_them(session: Session, chain: list[AuditEvent]) -> None:
    first, second = chain[1].seq, chain[2].seq
    rows = {row.seq: row for row in session.execute(
        select(AuditEvent.seq, *CONTENT).where(AuditEvent.seq.in_([first, second])))}
    for target, source in ((first, second), (second, first)):
        values = {column.key: getattr(rows[source], column.key) for column in CONTENT}
        session.execute(update(AuditEvent).where(AuditEvent.seq == target).values(**values))
    report = audit.verify(session)
    assert report.broken_at == first
    assert "does not follow its predecessor" in report.reason


def test_new_events_continue_the_chain_after_verification(session: Session, chain: list[AuditEvent]) -> None:
    event = audit.record(session, "system", "probe.after")
    assert (event.seq, event.prev_hash) == (chain[-1].seq + 1, chain[-1].hash)
    assert audit.verify(session).ok


def test_instance_timeline_is_in_order(session: Session, deployed: dict[str, int]) -> None:
    instance = start_anomaly(session)
    other = start_anomaly(session, business_key="other")
    tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id, EXPLANATION)
    review = ready_task(session, instance.id)
    tasks.claim(session, COUNTY_TIANHE, review.id)
    tasks.unclaim(session, COUNTY_TIANHE, review.id)
    instances.suspend(session, ADMIN, instance.id, "核查")
    timeline = instances.timeline(session, COUNTY_TIANHE, instance.id)
    assert [e.action for e in timeline] == [
        "instance.start", "task.complete", "task.claim", "task.unclaim", "instance.suspend"]
    assert [e.seq for e in timeline] == sorted(e.seq for e in timeline)
    assert {e.instance_id for e in timeline} == {instance.id}
    assert timeline[-1].payload == {"from": "running", "to": "suspended", "reason": "核查"}
    assert [e.action for e in instances.timeline(session, ENT_TIANHE, other.id)] == ["instance.start"]
    assert audit.verify(session).ok


@pytest.mark.parametrize("outsider", [COUNTY_BAIYUN, ENT_BAIYUN])
def test_timeline_outside_scope_is_not_found(session: Session, deployed: dict[str, int], outsider: object) -> None:
    instance = start_anomaly(session)
    with pytest.raises(InstanceNotFound):
        instances.timeline(session, outsider, instance.id)  # type: ignore[arg-type]


@pytest.mark.parametrize("instance_id", [0, 2**31, 2**63], ids=["zero", "past-int32", "past-int64"])
def test_timeline_of_a_guessed_id_is_not_found(session: Session, instance_id: int) -> None:
    with pytest.raises(InstanceNotFound):
        instances.timeline(session, ADMIN, instance_id)


@pytest.mark.parametrize("fields", [
    {"seq": 1, "actor": "system", "action": "process.deploy", "instance_id": None, "task_id": None, "payload": {}},
    {"seq": 98_765_432, "actor": "county-440106", "action": "task.complete", "instance_id": 7,
     "task_id": "0f9c3f0e-1d2b-4e6f-9a8b-7c6d5e4f3a2b",
     "payload": {"opinion": "同意。\"引号\" \\ 反斜杠 \u2028", "data": {"z": [1, 2.5, None, True], "a": {"ü": "é"}}}},
])
def test_the_hash_is_that_of_the_events_canonical_json(fields: dict[str, object]) -> None:
    """Events are hashed as they always were (chains written before verify), though the database now puts
    the previous hash into the text."""
    event = AuditEvent(**fields, at=datetime(2026, 11, 27, 1, 2, 3, 456789, tzinfo=timezone.utc), prev_hash="ab" * 32)
    body = {**fields, "at": "2026-11-27T01:02:03.456789+00:00", "prev": "ab" * 32}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    assert audit.event_hash(event) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_databases_hash_is_the_one_verify_computes(session: Session) -> None:
    event = audit.record(session, ADMIN, "probe.unicode", payload={"意见": "退回补充材料 \U0001F4CE", "n": 1.25})

    assert event.hash == audit.event_hash(event)
    stored = session.get(AuditEvent, event.seq)
    assert (stored.prev_hash, stored.hash) == (event.prev_hash, event.hash)
