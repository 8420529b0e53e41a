"""Views of the credit rating work: thin — parse, call one engine service, render."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.credit import facts, rounds, rules
from engine.credit.facts import FactInput
from engine.credit.rule_defaults import DEPARTMENT_KINDS, FACT_KINDS
from engine.errors import InvalidInput
from engine.tasks import actions as tasks
from web.auth.session import actor, login_required
from web.credit import bp
from web.database import db
from web.params import day


def _load(schema: Schema, data: dict[str, object]) -> dict[str, object]:
    try:
        return dict(schema.load(data))
    except ValidationError as exc:
        raise InvalidInput("输入有误 (invalid input)", fields={k: [str(m) for m in (v if isinstance(v, list) else [v])]
                                                            for k, v in exc.normalized_messages().items()}) from None


class _Adjust(Schema):
    class Meta:
        unknown = EXCLUDE

    level = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    evidence = fields.List(fields.Integer(), load_default=list)
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{6})?$"))


class _Open(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


@bp.get("/rounds")
@login_required
def round_list() -> ResponseReturnValue:
    return render_template("credit/rounds.html", rounds=rounds.rounds(db()))


@bp.post("/rounds")
@login_required
def round_open() -> ResponseReturnValue:
    year = int(str(_load(_Open(), {"year": request.form.get("year")})["year"]))
    instance = rounds.open_round(db(), actor(), year)
    flash(_("已开启 %(year)s 年度评价", year=year), "success")
    return redirect(url_for("instances.show", instance_id=instance.id))


@bp.get("/rounds/<int:round_id>/review")
@login_required
def review(round_id: int) -> ResponseReturnValue:
    region = request.args.get("region", "")
    page = rounds.review_page(db(), actor(), round_id, region or None, request.args.get("changed") == "1")
    return render_template("credit/review.html", page=page, region=region)


@bp.post("/scores/<int:score_id>/adjust")
@login_required
def adjust(score_id: int) -> ResponseReturnValue:
    form = _load(_Adjust(), {**request.form.to_dict(), "evidence": request.form.getlist("evidence")})
    score = rounds.adjust(db(), actor(), score_id, int(str(form["level"])), str(form["reason"]),
                          [int(e) for e in form["evidence"]])  # type: ignore[attr-defined]
    flash(_("已调整：%(name)s", name=score.enterprise_name), "success")
    return redirect(url_for("credit.review", round_id=score.round_id, region=form["region"]))


@bp.post("/rounds/<int:round_id>/review/<task_id>/approve")
@login_required
def approve_rest(round_id: int, task_id: str) -> ResponseReturnValue:
    """Approve every unchanged proposal of the task's area at once (completes the review task)."""
    tasks.complete(db(), actor(), task_id, {"opinion": request.form.get("opinion", "")[:2000]})
    flash(_("已确认其余拟评价等级并提交"), "success")
    return redirect(url_for("credit.review", round_id=round_id, region=request.form.get("region", "")))


@bp.get("/rules/<int:year>")
@login_required
def rules_page(year: int) -> ResponseReturnValue:
    return _rules(year, None, {})


def _rules(year: int, text: str | None, errors: dict[str, list[str]]) -> ResponseReturnValue:
    page = rules.admin_page(db(), actor(), year)
    shown = text if text is not None else json.dumps(page.current.rules, ensure_ascii=False, indent=2)
    return render_template("credit/rules.html", page=page, text=shown, errors=errors,
                           fact_kinds=FACT_KINDS), 422 if errors else 200


@bp.post("/rules/<int:year>")
@login_required
def rules_save(year: int) -> ResponseReturnValue:
    text = request.form.get("rules", "")
    try:
        rules.change_from_text(db(), actor(), year, text, request.form.get("note", ""))
    except InvalidInput as exc:
        db().rollback()
        return _rules(year, text, exc.fields or {"rules": [str(exc)]})
    flash(_("已保存 %(year)s 年度评价规则的新版本", year=year), "success")
    return redirect(url_for("credit.rules_page", year=year))


class _Fact(Schema):
    class Meta:
        unknown = EXCLUDE

    enterprise_code = fields.String(required=True, validate=validate.Length(equal=18))
    kind = fields.String(required=True, validate=validate.OneOf(DEPARTMENT_KINDS))
    occurred_on = day(required=True)
    reference = fields.String(load_default="", validate=validate.Length(max=100))
    indicator = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    source = fields.String(required=True, validate=validate.Length(min=1, max=200))


@bp.get("/facts")
@login_required
def fact_list() -> ResponseReturnValue:
    facts.require_fact_keeper(actor())
    return render_template("credit/facts.html", facts=facts.listing(db()), kinds=DEPARTMENT_KINDS,
                           fact_kinds=FACT_KINDS, preview=None)


@bp.post("/facts")
@login_required
def fact_add() -> ResponseReturnValue:
    form = _load(_Fact(), {k: v for k, v in request.form.to_dict().items() if v != ""})
    source = str(form.pop("source"))
    facts.add(db(), actor(), FactInput(**form), source)  # type: ignore[arg-type]
    flash(_("已录入"), "success")
    return redirect(url_for("credit.fact_list"))


@bp.post("/facts/import")
@login_required
def fact_import() -> ResponseReturnValue:
    """Preview (default) or store (``confirm=1``) the rows of an uploaded CSV or xlsx file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("请选择要导入的文件 (no file)", fields={"file": ["必填 (required)"]})
    content = upload.read()
    if request.form.get("confirm") == "1":
        stored, preview = facts.import_rows(db(), actor(), upload.filename, content)
        flash(_("已导入 %(n)s 行，%(bad)s 行有误未导入", n=len(stored), bad=len(preview.errors)), "success")
        return redirect(url_for("credit.fact_list"))
    facts.require_fact_keeper(actor())
    preview = facts.read_rows(db(), actor(), upload.filename, content)
    return render_template("credit/facts.html", facts=facts.listing(db()), kinds=DEPARTMENT_KINDS,
                           fact_kinds=FACT_KINDS, preview=preview, filename=upload.filename)
