"""办事 pages: credit repair, emergency plan filing and support tickets started from the web (thin views)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import Conflict, InvalidInput, NotAllowed
from engine.portal import start as portal_start
from web.auth.session import actor, login_required
from web.database import db
from web.portal import bp

KEYS = "credit_repair, emergency_plan_filing, support_ticket"


@bp.get(f"/start/<any({KEYS}):key>")
@login_required
def start_form(key: str) -> ResponseReturnValue:
    page = portal_start.page(db(), actor(), key)
    return render_template("portal/start.html", key=key, page=page, values={}, errors={}, message=None)


@bp.post(f"/start/<any({KEYS}):key>")
@login_required
def start_post(key: str) -> ResponseReturnValue:
    posted = request.form.to_dict(flat=False)
    try:
        row = portal_start.start(db(), actor(), key, posted)
    except (InvalidInput, Conflict, NotAllowed) as exc:
        db().rollback()
        page = portal_start.page(db(), actor(), key)
        fields = exc.fields if isinstance(exc, InvalidInput) else {}
        return render_template("portal/start.html", key=key, page=page, values=posted, errors=fields,
                               message=exc.message), 422 if isinstance(exc, InvalidInput) else 409
    flash(_("已提交：%(subject)s，请留意办理进度", subject=row.subject), "success")
    return redirect(url_for("instances.show", instance_id=row.id))
