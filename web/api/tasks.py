"""Tasks: the caller's list, one task with its form, claim, complete (If-Match), and the approval operations."""

from __future__ import annotations

from typing import Any

from flask import current_app

from engine.db import utcnow
from engine.tasks import actions as tasks
from engine.tasks import evidence as task_evidence
from engine.tasks import operations
from engine.workflow.models import TaskStatus
from web.api.core import ApiBlueprint
from web.api.schemas.attachments import AttachmentSchema, LinkSchema
from web.api.schemas.tasks import (
    CompleteSchema,
    IfMatchSchema,
    NoteOutSchema,
    NoteSchema,
    OpinionSchema,
    PersonSchema,
    ReturnSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务 (tasks)")

ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "the instance version, for If-Match"}}


def _directory() -> Any:
    return current_app.extensions.get("ecoloop.directory")


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` names: ``"7"``, ``W/"7"`` or ``7``; ``*`` or none means no check.

    Anything else can match no version, so it becomes -1 (the service then answers 412).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else -1


@bp.route("", methods=["GET"])
@bp.arguments(TaskQuerySchema, location="query")
@bp.response(200, TaskPageSchema)
def list_tasks(query: dict[str, Any]) -> Any:
    """The tasks the caller may see (ready ones by default), due first, paginated."""
    me = actor()
    status = None if query["status"] == "any" else TaskStatus(query["status"])
    return tasks.list_tasks(db(), me, tasks.TaskQuery(
        status=status, process_key=query["process"], region_code=query["region"],
        enterprise_code=query["enterprise"], overdue_at=utcnow() if query["overdue"] else None,
        completed_by=me.username if query["mine"] else None, page=query["page"], per_page=query["per_page"],
    ))


@bp.route("/<task_id:task_id>")
@bp.response(200, TaskDetailSchema, headers=ETAG_HEADER)
def show(task_id: str) -> Any:
    """A task with its form definition, the instance's start data and earlier steps."""
    detail = tasks.task_detail(db(), actor(), task_id)
    return detail, 200, {"ETag": f'"{detail.instance.version}"'}


@bp.route("/<task_id:task_id>/claim", methods=["POST"])
@bp.response(200, TaskSchema)
def claim(task_id: str) -> Any:
    """Take a ready task so colleagues see who works on it."""
    return tasks.claim(db(), actor(), task_id)


@bp.route("/<task_id:task_id>/unclaim", methods=["POST"])
@bp.response(200, TaskSchema)
def unclaim(task_id: str) -> Any:
    """Give a claimed task back (the claimant or an admin)."""
    return tasks.unclaim(db(), actor(), task_id)


@bp.route("/<task_id:task_id>/complete", methods=["POST"])
@bp.arguments(CompleteSchema)
@bp.arguments(IfMatchSchema, location="headers")
@bp.response(200, TaskSchema)
def complete(body: dict[str, Any], headers: dict[str, Any], task_id: str) -> Any:
    """Complete a task with its form data; with ``If-Match`` a changed instance gives 412."""
    return tasks.complete(db(), actor(), task_id, body["data"], expected_version=expected_version(headers["if_match"]))


@bp.route("/<task_id:task_id>/return", methods=["POST"])
@bp.arguments(ReturnSchema)
@bp.response(200, TaskSchema)
def return_to(body: dict[str, Any], task_id: str) -> Any:
    """驳回: send the process back to an earlier step with an opinion; returns the reopened step."""
    return operations.return_to(db(), actor(), task_id, body["target"], body["opinion"])


@bp.route("/<task_id:task_id>/withdraw", methods=["POST"])
@bp.response(200, TaskSchema)
def withdraw(task_id: str) -> Any:
    """撤回: take back the caller's completion while the next step is untouched; returns the reopened step."""
    return operations.withdraw(db(), actor(), task_id)


@bp.route("/<task_id:task_id>/transfer", methods=["POST"])
@bp.arguments(PersonSchema)
@bp.response(200, TaskSchema)
def transfer(body: dict[str, Any], task_id: str) -> Any:
    """转办: hand the step to a colleague with the same role and scope."""
    return operations.transfer(db(), actor(), _directory(), task_id, body["target"], body["note"])


@bp.route("/<task_id:task_id>/delegate", methods=["POST"])
@bp.arguments(PersonSchema)
@bp.response(200, TaskSchema)
def delegate(body: dict[str, Any], task_id: str) -> Any:
    """委派: ask a colleague for an opinion; the step comes back when they answer."""
    return operations.delegate(db(), actor(), _directory(), task_id, body["target"], body["note"])


@bp.route("/<task_id:task_id>/answer", methods=["POST"])
@bp.arguments(OpinionSchema)
@bp.response(200, TaskSchema)
def answer(body: dict[str, Any], task_id: str) -> Any:
    """The delegate's opinion; the step returns to whoever delegated it."""
    return operations.answer_delegation(db(), actor(), task_id, body["opinion"])


@bp.route("/<task_id:task_id>/urge", methods=["POST"])
@bp.arguments(NoteSchema)
@bp.response(201, NoteOutSchema)
def urge(body: dict[str, Any], task_id: str) -> Any:
    """催办: remind whoever holds the step."""
    return operations.urge(db(), actor(), task_id, body["note"])


@bp.route("/<task_id:task_id>/attachments", methods=["POST"])
@bp.arguments(LinkSchema)
@bp.response(200, AttachmentSchema(many=True))
def link_attachments(body: dict[str, Any], task_id: str) -> Any:
    """Link files of the caller's evidence library to a task it works; returns the task's evidence."""
    return task_evidence.link_to_task(db(), actor(), task_id, body["attachment_ids"])
