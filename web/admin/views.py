"""The audit log: filters, pagination and the chain verification."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.audit import log as audit_log
from engine.instances.page import display_names
from web.admin import bp
from web.auth.session import actor, login_required
from web.database import db
from web.params import day


class AuditArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    actor = fields.String(load_default=None, validate=validate.Length(max=100))
    action = fields.String(load_default=None, validate=validate.Length(max=60))
    instance = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    since = day(load_default=None)
    until = day(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000000))


def _page(report: object = None) -> ResponseReturnValue:
    query = {k: v for k, v in request.args.to_dict().items() if v != ""}
    args = AuditArgs().load(query)
    found = audit_log.search(db(), actor(), audit_log.AuditFilter(
        actor=args["actor"], action=args["action"], instance_id=args["instance"], since=args["since"],
        until=args["until"], page=args["page"]))
    names = display_names(db(), {event.actor for event in found.events})
    return render_template("admin/audit.html", found=found, args=args, query=query, report=report, names=names)


@bp.get("/audit")
@login_required
def audit_page() -> ResponseReturnValue:
    return _page()


@bp.post("/audit/verify")
@login_required
def audit_verify() -> ResponseReturnValue:
    report = audit_log.verify(db(), actor())
    return _page(report)
