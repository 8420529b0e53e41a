"""Local accounts created by an administrator on the 新建用户 page, with or without a directory.

The same form and checks as a directory account (:func:`engine.identity.directory_admin.checked_account`:
every wrong field named at once), stored argon2-hashed by :func:`engine.identity.local_users.create` and audited
as ``user.create`` with the administrator as actor. The page asks :func:`directory_state` first, so it can
say up front when the directory is not configured or not answering and offer a local account instead.
"""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.errors import InvalidInput
from engine.identity.models import LocalUser
from engine.identity import directory_admin, local_users as users
from engine.runstate import health
from engine.identity.directory_admin import NewDirectoryUser

log = logging.getLogger(__name__)

# users.create names its fields after the table; the form names them like a directory account
FORM_FIELDS = {"username": "login", "enterprise_code": "credit_code"}


def directory_state(session: Session, actor: Actor, directory: object | None) -> str:
    """"ok", "unavailable" or "not_configured" (asked once when the page opens). :raises NotAllowed: non-admins."""
    directory_admin.require_admin(actor)
    return health.check(session, cast(health.Pingable | None, directory)).directory  # it asks getattr(ping)


def create_local_user(session: Session, actor: Actor, new: NewDirectoryUser) -> LocalUser:
    """Create a local account from the 新建用户 form.

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: naming each field that is wrong (taken login included).
    """
    directory_admin.require_admin(actor)
    new = directory_admin.checked_account(new)
    try:
        user = users.create(session, new.login, new.password, [Role(r) for r in new.roles],
                            region_code=new.region_code, enterprise_code=new.credit_code,
                            display_name=new.display_name, created_by=actor)
    except InvalidInput as exc:
        fields = {FORM_FIELDS.get(name, name): messages for name, messages in exc.fields.items()}
        raise InvalidInput("无法创建本地账号，请检查标出的字段 (cannot create the local account)", fields=fields) from None
    log.info("%s created local user %s with roles %s", actor.username, user.username, user.roles)
    return user
