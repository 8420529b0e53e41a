from __future__ import annotations

from datetime import datetime, time, timezone

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate

from engine.actors import Role
from engine.errors import InvalidInput
from engine.identity import access_tokens, tokens
from web.api.core import flatten
from web.auth.session import actor, login_required
from web.database import db
from web.form_args import load_form
from web.i18n import SHANGHAI
from web.params import day
from web.tokens import bp


class TokenForm(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=tokens.MAX_NAME))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    region_code = fields.String(load_default=None)
    enterprise_code = fields.String(load_default=None)
    expires_on = day(load_default=None)


def _form() -> tokens.TokenRequest:
    try:
        form = TokenForm().load({k: v.strip() for k, v in request.form.items() if v.strip()}, unknown="exclude")
    except ValidationError as exc:
        raise InvalidInput("请检查填写内容 (invalid form)", fields=flatten(exc.messages)) from None
    expires = form.pop("expires_on")
    expires_at = datetime.combine(expires, time.max, SHANGHAI).astimezone(timezone.utc) if expires else None
    return tokens.TokenRequest(expires_at=expires_at, **form)


class PersonArgs(Schema):
    user = fields.String(load_default="", validate=validate.Length(max=100))
    token_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    person = load_form(PersonArgs(), request.args.to_dict())["user"].strip()
    return render_template("tokens/index.html", tokens=tokens.list_tokens(db(), actor()), roles=list(Role),
                           secret=None, person=person,
                           person_tokens=access_tokens.list_for_user(db(), actor(), person) if person else None)


@bp.post("/people/end")
@login_required
def end_person_tokens() -> ResponseReturnValue:
    """End one bearer token of a person, or all of them (audited as ``auth.token_revoke``)."""
    form = load_form(PersonArgs(), request.form.to_dict())
    ended = access_tokens.end_for_user(db(), actor(), form["user"], form["token_id"])
    flash(f"已注销 {form['user']} 的 {ended} 个访问令牌")
    return redirect(url_for("tokens.index", user=form["user"]))


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    token, secret = tokens.create(db(), actor(), _form())
    return render_template("tokens/index.html", tokens=tokens.list_tokens(db(), actor()), roles=list(Role),
                           secret=secret, created=token), 201


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    token = tokens.revoke(db(), actor(), token_id)
    flash(f"已吊销 API 令牌 {token.name}")
    return redirect(url_for("tokens.index"))
