"""环境风险源 pages: the filtered table, a page per city and county, an enterprise's risk data, import, rules."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.emergency.risk import assessments, imports, plans, registry, rules
from engine.emergency.risk.registry import Filters
from engine.errors import InvalidFile, InvalidInput
from web.api.schemas.risk_sources import ListArgsSchema
from web.auth.session import actor, login_required
from web.database import db
from web.risk import bp


def _listing(region_code: str = "") -> tuple[dict[str, Any], registry.Listing]:
    args = ListArgsSchema().load(request.args.to_dict() | ({"region_code": region_code} if region_code else {}))
    page = args.pop("page")
    return args, registry.listing(db(), actor(), Filters(**args), page=page, today=plans.local_today())


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    args, listing = _listing()
    return render_template("risk/index.html", args=args, listing=listing, rules=rules.current(db()),
                           summary=None, region_code="")


@bp.get("/regions/<region_code>")
@login_required
def region(region_code: str) -> ResponseReturnValue:
    args, listing = _listing(region_code)
    summary = registry.region_summary(db(), actor(), region_code, today=plans.local_today())
    return render_template("risk/index.html", args=args, listing=listing, rules=rules.current(db()),
                           summary=summary, region_code=region_code)


@bp.get("/<credit_code>")
@login_required
def show(credit_code: str) -> ResponseReturnValue:
    page = registry.page(db(), actor(), credit_code, today=plans.local_today())
    return render_template("risk/show.html", page=page, errors={}, values={})


@bp.post("/<credit_code>/assessments")
@login_required
def assess(credit_code: str) -> ResponseReturnValue:
    data = {k: request.form.get(k, "").strip() for k in ("level", "assessed_on", "expression")}
    try:
        assessments.record(db(), actor(), credit_code, data, today=plans.local_today())
    except InvalidInput as exc:
        db().rollback()
        page = registry.page(db(), actor(), credit_code, today=plans.local_today())
        return render_template("risk/show.html", page=page, errors=exc.fields, values=data), 422
    return redirect(url_for("risk.show", credit_code=credit_code))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_substances() -> ResponseReturnValue:
    code = request.values.get("enterprise") or None
    upload = request.files.get("file")
    if request.method == "GET" or upload is None:
        return render_template("risk/import.html", enterprise=code, rows=None, error=None)
    content, name = upload.read(), upload.filename or "upload.csv"
    try:
        if request.form.get("action") != "import":
            rows = imports.preview(db(), actor(), content, name, enterprise_code=code)
            return render_template("risk/import.html", enterprise=code, rows=rows, error=None)
        saved = imports.apply(db(), actor(), content, name, enterprise_code=code)
    except (InvalidInput, InvalidFile) as exc:
        db().rollback()
        return render_template("risk/import.html", enterprise=code, rows=None, error=exc.message,
                               errors=getattr(exc, "fields", {})), 422
    if code:
        return redirect(url_for("risk.show", credit_code=code))
    return redirect(url_for("risk.index", imported=len(saved)))


@bp.route("/rules", methods=["GET", "POST"])
@login_required
def rules_page() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            rules.save(db(), actor(), _rule_form(), request.form.get("note", ""))
            return redirect(url_for("risk.rules_page"))
        except InvalidInput as exc:
            db().rollback()
            errors = exc.fields
    return render_template("risk/rules.html", rules=rules.current(db()), history=rules.history(db()),
                           source=rules.SOURCE, errors=errors), 422 if errors else 200


def _rule_form() -> dict[str, Any]:
    def number(name: str) -> Any:
        raw = request.form.get(name, "").strip()
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return raw
    return {"q_bands": [number(f"q_band_{i}") for i in range(3)],
            "plan_revision_years": number("plan_revision_years"),
            "expiring_within_days": number("expiring_within_days")}
