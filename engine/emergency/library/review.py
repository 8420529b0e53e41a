"""结构化数据入库审核 (library_entry_review): an editor submits a draft, the province reviews it, publish or return.

The process carries the version id; the draft itself stays in ``library_versions`` so the
editor can revise it between a return and the next submission (the ``submit`` step again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.emergency.library import entries
from engine.emergency.library.models import LibraryEntry, LibraryVersion
from engine.errors import Conflict
from engine.instances.casework import ready_step, start_and_submit
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.workflow.hooks import IndexFields, ProcessHooks, StartContext, StepContext
from engine.workflow.models import ProcessInstance

PROCESS_KEY = "library_entry_review"
HOOKS = ProcessHooks(PROCESS_KEY, IndexFields(kind=("kind",), enterprise_name=("title",)))
SUBMIT_FORM = "library_entry_submit"
PROVINCE = "440000"


def submit(session: Session, actor: Actor, version_id: int, note: str = "") -> ProcessInstance:
    """Send a draft (or a returned version) to review: starts the process, or resubmits it after a return.

    :raises NotAllowed: unless the actor is an editor.
    :raises Conflict: when the version is not a draft or returned.
    """
    entries.require_editor(actor)
    version = entries.version_by_id(session, version_id)
    if version.status not in entries.OPEN_STATES:
        raise Conflict(f"library version {version_id} is {version.status}, not a draft")
    if version.instance_id is not None:
        step = ready_step(session, version.instance_id, "submit")
        if step is None:
            raise Conflict(f"library version {version_id} waits at no submission step")
        tasks.complete(session, actor, step.id, {"note": note})
        return session.get_one(ProcessInstance, version.instance_id)
    entry = session.get_one(LibraryEntry, version.entry_id)
    request = StartRequest(process_key=PROCESS_KEY, region_code=PROVINCE, business_key=f"library-version-{version.id}",
                           subject=f"资源库入库审核：{entry.title[:100]}（第{version.number}版）",
                           data={"version_id": version.id})
    return start_and_submit(session, actor, request, SUBMIT_FORM, {"note": note})


@HOOKS.before_start
def _check(context: StartContext) -> dict[str, Any]:
    entries.require_editor(context.actor)
    version = entries.version_by_id(context.session, int(context.data.get("version_id") or 0))
    entry = context.session.get_one(LibraryEntry, version.entry_id)
    return {"kind": "library_entry", "version_id": version.id, "library": entry.library, "title": entry.title,
            "number": version.number}


@HOOKS.after("start")
def _attach(context: StepContext) -> None:
    version = _version(context)
    version.instance_id = context.instance.id
    context.session.flush()


@HOOKS.after("submit")
def _submitted(context: StepContext) -> None:
    version = _version(context)
    version.status, version.remarks = "under_review", ""
    _entry_status(context.session, version, "under_review")
    audit.record(context.session, context.actor, "library.submitted", instance_id=context.instance.id,
                 payload={"entry": version.entry_id, "version": version.id, "note": context.data.get("note") or ""})


@HOOKS.after("review")
def _reviewed(context: StepContext) -> None:
    version = _version(context)
    version.reviewed_by = context.actor.username
    if context.data.get("decision") == "return":
        version.status, version.remarks = "returned", str(context.data.get("remarks") or "")
        _entry_status(context.session, version, "returned")
        audit.record(context.session, context.actor, "library.returned", instance_id=context.instance.id,
                     payload={"entry": version.entry_id, "version": version.id, "remarks": version.remarks})


@HOOKS.after("end_published")
def _published(context: StepContext) -> None:
    entries.publish(context.session, context.actor, _version(context))


def _version(context: StepContext) -> LibraryVersion:
    version_id = context.data.get("version_id")
    if version_id is None:
        version_id = context.session.scalars(select(LibraryVersion.id).where(
            LibraryVersion.instance_id == context.instance.id)).one()
    return context.session.get_one(LibraryVersion, int(version_id))


def _entry_status(session: Session, version: LibraryVersion, status: str) -> None:
    entry = session.get_one(LibraryEntry, version.entry_id)
    entry.status = status
    session.flush()
