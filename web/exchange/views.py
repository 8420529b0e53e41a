"""The sync status page and the schedule form (administrators change it; every change is a new version)."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import InvalidInput
from engine.exchange import schedule, status
from web.auth.session import actor, login_required
from web.database import db
from web.exchange import bp
from web.labels import EXCHANGE_CATEGORIES


@bp.get("/status")
@login_required
def status_page() -> ResponseReturnValue:
    data = status.board(db(), actor())
    return render_template("exchange/status.html", board=data, labels=EXCHANGE_CATEGORIES,
                           rules_text=json.dumps(data.schedule.rules, ensure_ascii=False, indent=2))


@bp.post("/schedule")
@login_required
def change_schedule() -> ResponseReturnValue:
    try:
        rules = json.loads(request.form.get("rules", ""))
        saved = schedule.save(db(), actor(), rules, request.form.get("note", "").strip() or "-")
    except json.JSONDecodeError as exc:
        flash(_("交换计划不是有效的 JSON：%(error)s", error=str(exc)), "danger")
    except InvalidInput as exc:
        flash("; ".join(f"{name}: {', '.join(messages)}" for name, messages in exc.fields.items()), "danger")
    else:
        flash(_("交换计划已保存为第 %(version)s 版", version=saved.version), "success")
    return redirect(url_for("exchange.status_page"))
