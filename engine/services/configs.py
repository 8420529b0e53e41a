"""Process configuration as data: versioned, audited, applied to work started after a change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.bundle import bundled_config
from engine.errors import InvalidInput, NotAllowed
from engine.models import ProcessConfig

MAX_VALUES = 100


def current_values(session: Session, process_key: str) -> dict[str, Any]:
    """The newest configuration of a process; before any change, the defaults shipped with the model."""
    config = _newest(session, process_key)
    if config is not None:
        return dict(config.values)
    return bundled_config(process_key) or {}


def _newest(session: Session, process_key: str) -> ProcessConfig | None:
    return session.scalars(
        select(ProcessConfig)
        .where(ProcessConfig.process_key == process_key)
        .order_by(ProcessConfig.version.desc())
        .limit(1)
    ).first()


def change(session: Session, actor: Actor, process_key: str, values: dict[str, Any]) -> ProcessConfig:
    """Store a new configuration version.

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: when values are not a flat mapping of names to JSON scalars or lists.
    """
    if not actor.is_admin:
        raise NotAllowed("only administrators change process configuration")
    _check_values(values)
    previous = _newest(session, process_key)
    config = ProcessConfig(
        process_key=process_key,
        version=(previous.version + 1) if previous else 1,
        values=dict(values),
        changed_by=actor.username,
    )
    session.add(config)
    session.flush()
    audit.record(
        session, actor, "config.change",
        payload={"process": process_key, "version": config.version, "before": previous.values if previous else {},
                 "after": config.values},
    )
    return config


def _check_values(values: Any) -> None:
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise InvalidInput(f"configuration must be an object with at most {MAX_VALUES} entries")
    bad = {
        name: ["须为文字、数字、真假值或列表 (must be a string, number, boolean or list)"]
        for name, value in values.items()
        if not name.isidentifier() or name.startswith("_") or not isinstance(value, (str, int, float, bool, list))
    }
    if bad:
        raise InvalidInput("invalid configuration values", fields=bad)
