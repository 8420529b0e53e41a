"""What the ``ecoloop`` commands share: the app's session factory, the acting operator, how a refused command ends."""

from __future__ import annotations

import getpass
import sys
from typing import NoReturn

import click
from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import Actor, Role
from engine.errors import EcoLoopError


def session_factory() -> sessionmaker[Session]:
    factory: sessionmaker[Session] = current_app.extensions["ecoloop.sessions"]
    return factory


def operator() -> Actor:
    """The person at the terminal: an administrator named after the login account, for the audit trail."""
    return Actor(f"cli:{getpass.getuser()}", frozenset({Role.ADMIN}))


def fail(error: EcoLoopError) -> NoReturn:
    """Print the error and each refused field with its messages, then exit with status 2."""
    click.echo(f"error: {error.message}", err=True)
    fields = error.details.get("fields")
    for name, messages in (fields if isinstance(fields, dict) else {}).items():
        click.echo(f"  {name}: {'; '.join(messages)}", err=True)
    sys.exit(2)
