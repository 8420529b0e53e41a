"""The replay pages beside the rules page: edit a draft, replay it, follow and cancel, read, export, activate."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.db import utcnow
from engine.errors import InvalidInput
from engine.monitoring import rules
from engine.replay import drafts, runs
from engine.replay.models import FINISHED
from engine.replay.spec import SCOPE_KINDS, Period, Scope
from web.admin.rules import rule_params_from_form
from web.auth.session import actor, login_required
from web.database import db
from web.downloads import send_download
from web.i18n import local_time
from web.replay import worker

bp = Blueprint("replay", __name__, url_prefix="/admin/rules")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/drafts")
@login_required
def index() -> ResponseReturnValue:
    return render_template("replay/index.html", drafts=drafts.listed(db(), actor()), replays=runs.recent(db(), actor()))


@bp.post("/drafts")
@login_required
def create() -> ResponseReturnValue:
    row = drafts.save(db(), actor(), {}, name=request.form.get("name", ""))
    return redirect(url_for("replay.draft", draft_id=row.id))


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int) -> ResponseReturnValue:
    return _draft_page(draft_id, {}, None)


def _draft_page(draft_id: int, errors: dict[str, list[str]], factors_text: str | None) -> str:
    row = drafts.get(db(), actor(), draft_id)
    current = rules.rule_table(db(), actor())
    period = Period.last_month(utcnow())
    return render_template("replay/draft.html", row=row, current=current, errors=errors, period=period,
                           factors_text=factors_text if factors_text is not None
                           else json.dumps(row.factors, ensure_ascii=False, indent=2),
                           scope_kinds=SCOPE_KINDS, replays=[r for r in runs.recent(db(), actor(), 100)
                                                             if r.draft_id == row.id])


@bp.post("/drafts/<int:draft_id>")
@login_required
def save(draft_id: int) -> ResponseReturnValue:
    factors_text = request.form.get("factors", "").strip() or "{}"
    try:
        factors = json.loads(factors_text)
    except json.JSONDecodeError as exc:
        return _draft_page(draft_id, {"factors": [f"不是有效的 JSON (invalid JSON): {exc.msg}"]}, factors_text), 422
    try:
        drafts.save(db(), actor(), {"rules": _groups_from_form(request.form), "factors": factors},
                    name=request.form.get("name", ""), draft_id=draft_id)
    except InvalidInput as exc:
        db().rollback()
        return _draft_page(draft_id, exc.fields, factors_text), 422
    flash(gettext("草案已保存"))
    return redirect(url_for("replay.draft", draft_id=draft_id))


def _groups_from_form(form: Any) -> dict[str, dict[str, Any]]:
    """Each group's inputs are named ``<group>.<parameter>``; read them as the live rules page does."""
    groups = {}
    for key in rules.DEFAULTS:
        own = {name.split(".", 1)[1]: value for name, value in form.items() if name.startswith(f"{key}.")}
        groups[key] = rule_params_from_form(key, own)
    return groups


@bp.post("/drafts/<int:draft_id>/replay")
@login_required
def start(draft_id: int) -> ResponseReturnValue:
    row = drafts.get(db(), actor(), draft_id)
    form = request.form
    try:
        kind = form.get("scope", "province")
        scope = Scope.parse(kind, form.get("code"))
        run = runs.request(db(), actor(), drafts.content(row), Period.parse(form.get("from"), form.get("to")), scope,
                           draft_id=row.id)
    except InvalidInput as exc:
        db().rollback()
        return _draft_page(draft_id, exc.fields, None), 422
    worker.mark_queued()
    return redirect(url_for("replay.run", run_id=run.id))


@bp.post("/drafts/<int:draft_id>/activate")
@login_required
def activate(draft_id: int) -> ResponseReturnValue:
    try:
        drafts.activate(db(), actor(), draft_id, replay_id=request.form.get("replay_id", type=int),
                        reason=request.form.get("reason", ""))
    except InvalidInput as exc:
        db().rollback()
        return _draft_page(draft_id, exc.fields, None), 422
    flash(gettext("草案已启用为现行规则"))
    return redirect(url_for("admin_rules.index"))


@bp.get("/replays/<int:run_id>")
@login_required
def run(run_id: int) -> ResponseReturnValue:
    found = runs.get(db(), actor(), run_id, with_detail=True)
    return render_template("replay/run.html", run=found, finished=found.status in FINISHED,
                           summary=found.summary or {}, detail=found.detail or {}, local_iso=_local_iso)


def _local_iso(value: str | None) -> str:
    """A stored ISO time (the replay's case lists) in Shanghai time."""
    return local_time(datetime.fromisoformat(value)) if value else ""


@bp.post("/replays/<int:run_id>/cancel")
@login_required
def cancel(run_id: int) -> ResponseReturnValue:
    runs.cancel(db(), actor(), run_id)
    flash(gettext("已请求取消预演"))
    return redirect(url_for("replay.run", run_id=run_id))


@bp.get("/replays/<int:run_id>.xlsx")
@login_required
def export(run_id: int) -> ResponseReturnValue:
    found, content = runs.export(db(), actor(), run_id)
    return send_download(content, f"规则预演_{found.id}.xlsx", XLSX)


bp.teardown_request(worker.start_queued)
