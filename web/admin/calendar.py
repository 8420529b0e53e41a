"""Administration of the working-day calendar: entered years, a year's holidays and make-up days, seeding."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.exc import SQLAlchemyError

from engine.calendar import holidays as calendar
from engine.errors import InvalidInput
from engine.scoping import require_admin
from engine.workflow import recompute
from web.admin import bp
from web.auth.session import actor, current_actor, login_required
from web.database import db

ADMINS_ONLY = "仅管理员可访问 (administrators only)"

log = logging.getLogger(__name__)

MAX_DAYS = 120
_SEPARATORS = re.compile(r"[\s,，;；]+")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:(?:~|～|\.\.|至|/)(\d{4}-\d{2}-\d{2}))?$")


class DateList(fields.Field):
    """Dates written one per line or separated by commas; ``2027-02-10~2027-02-17`` is a range."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[date]:
        days: set[date] = set()
        for item in _SEPARATORS.split(str(value or "").strip()):
            if item:
                days |= _days(item)
            if len(days) > MAX_DAYS:
                raise ValidationError(f"最多 {MAX_DAYS} 天 (at most {MAX_DAYS} days)")
        return sorted(days)


def _days(item: str) -> set[date]:
    match = _RANGE.match(item)
    try:
        first = date.fromisoformat(match.group(1)) if match else None
        last = date.fromisoformat(match.group(2)) if match and match.group(2) else first
    except ValueError:
        first = last = None
    if first is None or last is None or last < first or (last - first).days > MAX_DAYS:
        raise ValidationError(f"{item!r} 不是日期或日期范围，如 2027-01-01 或 2027-02-10~2027-02-17")
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


class YearForm(Schema):
    holidays = DateList(load_default=list)
    makeup_workdays = DateList(load_default=list)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class _MissingYears:
    """The years for the admins' banner, looked up only if a template shows the banner."""

    def __init__(self) -> None:
        self._years: list[int] | None = None

    def _load(self) -> list[int]:
        if self._years is None:
            me = current_actor()
            self._years = []
            if me is not None and me.is_admin:
                try:
                    self._years = recompute.unknown_years_warning(db())
                except SQLAlchemyError:  # e.g. an error page after a failed statement: the banner can wait
                    log.warning("calendar warning unavailable", exc_info=True)
        return self._years

    def __bool__(self) -> bool:
        return bool(self._load())

    def __iter__(self) -> Iterator[int]:
        return iter(self._load())


@bp.app_context_processor
def _calendar_warning() -> dict[str, Any]:
    """``calendar_missing_years``: years open deadlines need (or the current one) that nobody entered."""
    return {"calendar_missing_years": _MissingYears()}


@bp.get("/calendar")
@login_required
def calendar_index() -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    return render_template("admin/calendar.html", years=calendar.list_years(db()),
                           package_years=calendar.package_years())


class GotoArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=calendar.MIN_YEAR, max=calendar.MAX_YEAR))


@bp.get("/calendar/year")
@login_required
def calendar_goto() -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    try:
        year = GotoArgs().load(request.args.to_dict(), unknown="exclude")["year"]
    except ValidationError as exc:
        raise InvalidInput("年度有误 (invalid year)", fields=exc.normalized_messages()) from None
    return redirect(url_for("admin.calendar_year", year=year))


@bp.get("/calendar/<int:year>")
@login_required
def calendar_year(year: int) -> ResponseReturnValue:
    require_admin(actor(), ADMINS_ONLY)
    schedule = calendar.year_schedule(db(), year)
    values = {"holidays": "\n".join(map(str, schedule.holidays)) if schedule else "",
              "makeup_workdays": "\n".join(map(str, schedule.makeup_workdays)) if schedule else "",
              "note": schedule.note if schedule else ""}
    return render_template("admin/calendar_year.html", year=year, schedule=schedule, values=values, errors={})


@bp.post("/calendar/<int:year>")
@login_required
def calendar_enter(year: int) -> ResponseReturnValue:
    try:
        form = YearForm().load(request.form.to_dict(), unknown="exclude")
        entered = recompute.enter_year(db(), actor(), year, form["holidays"], form["makeup_workdays"], form["note"])
    except (ValidationError, InvalidInput) as exc:
        db().rollback()
        errors = exc.normalized_messages() if isinstance(exc, ValidationError) else exc.fields
        return render_template("admin/calendar_year.html", year=year, schedule=calendar.year_schedule(db(), year),
                               values=request.form, errors=errors), 422
    later = f"，其余 {entered.remaining} 个将在几分钟内由后台重新计算" if entered.remaining else ""
    flash(f"已录入 {year} 年节假日安排，重新计算了 {len(entered.recomputed)} 个事项的期限{later}")
    return redirect(url_for("admin.calendar_index"))


@bp.post("/calendar/seed")
@login_required
def calendar_seed() -> ResponseReturnValue:
    added, recomputed = recompute.seed_calendar(db(), actor())
    flash(f"已从 chinese-calendar 导入 {len(added)} 个年度，重新计算了 {len(recomputed)} 个事项的期限")
    return redirect(url_for("admin.calendar_index"))
