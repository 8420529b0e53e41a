"""Process configuration as data: versioned, audited, typed, applied to work started after a change.

Each process may ship ``workflows/bpmn/<key>.config.json`` (the default values,
version 0) and ``<key>.config.schema.json`` describing every key::

    {"explain_workdays": {"type": "integer", "min": 1, "max": 60,
                          "label": {"zh": "企业说明期限（工作日）", "en": "Explanation deadline (working days)"}},
     "city_review_types": {"type": "list", "choices": [{"value": "exceedance", "label": {"zh": "超标"}}]}}

Types: integer, number, boolean, string, duration (ISO 8601, e.g. ``P5D``) and list
(of strings, optionally limited to ``choices``). A change names the keys it
changes; the others keep their current values. Values are validated with
marshmallow against the schema; unknown keys are refused.

How a change reaches work: start data holds the values in force at the start
(and ``config_version``), and the expression function ``config("key")``
reads the values in force when it is evaluated — for a task's ``due`` or a timer,
when the task is created. So deadlines of tasks created after a change follow
it, while tasks created before keep theirs; each task index row records the
``config_version`` it was created under (used e.g. by ``required_if.in_config``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import InvalidInput, InvalidModel
from engine.scoping import require_admin
from engine.workflow.bundle import BUNDLED_DIR, bundled_config
from engine.workflow.forms import LabelSchema, OptionSchema
from engine.workflow.models import ProcessConfig

MAX_VALUES = 100
MAX_LIST = 50
VALUE_TYPES = ("integer", "number", "boolean", "string", "duration", "list")


def current_values(session: Session, process_key: str) -> dict[str, Any]:
    """The newest configuration of a process over the shipped defaults (so keys added by a release appear)."""
    config = _newest(session, process_key)
    return over_defaults(process_key, config.values if config is not None else None)


def over_defaults(process_key: str, values: dict[str, Any] | None) -> dict[str, Any]:
    """Stored values over the shipped defaults."""
    return {**(bundled_config(process_key) or {}), **(values or {})}


def newest_subqueries(process_key: Any) -> tuple[Any, Any]:
    """The newest version and its values for ``process_key`` (a column or a value), as scalar subqueries:
    the runtime reads them in the statement that locks an instance."""
    newest = select().where(ProcessConfig.process_key == process_key).order_by(ProcessConfig.version.desc()).limit(1)
    return (newest.add_columns(ProcessConfig.version).scalar_subquery(),
            newest.add_columns(ProcessConfig.values).scalar_subquery())


def current_version(session: Session, process_key: str) -> int:
    """The newest version number; 0 while the shipped defaults apply."""
    config = _newest(session, process_key)
    return config.version if config is not None else 0


def values_at(session: Session, process_key: str, version: int | None) -> dict[str, Any]:
    """The values in force at ``version`` (0 or None: the shipped defaults)."""
    defaults = bundled_config(process_key) or {}
    if not version:
        return dict(defaults)
    config = session.scalars(select(ProcessConfig).where(
        ProcessConfig.process_key == process_key, ProcessConfig.version == version)).one_or_none()
    return {**defaults, **(config.values if config is not None else {})}


def _newest(session: Session, process_key: str) -> ProcessConfig | None:
    return session.scalars(
        select(ProcessConfig)
        .where(ProcessConfig.process_key == process_key)
        .order_by(ProcessConfig.version.desc())
        .limit(1)
    ).first()


def change(session: Session, actor: Actor, process_key: str, values: dict[str, Any]) -> ProcessConfig:
    """Store a new configuration version: the current values with ``values`` applied.

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidInput: naming each key that is unknown to the process's schema or has a bad value
        (without a schema: when values are not a flat mapping of names to JSON scalars or lists).
    """
    require_admin(actor, "only administrators change process configuration")
    schema = bundled_schema(process_key)
    if schema is None:
        _check_values(values)
        merged = dict(values)
    else:
        merged = _validated(schema, {**current_values(session, process_key), **_mapping(values)}, strict=True)
    previous = _newest(session, process_key)
    before = current_values(session, process_key)
    config = ProcessConfig(
        process_key=process_key,
        version=(previous.version + 1) if previous else 1,
        values=merged,
        changed_by=actor.username,
    )
    session.add(config)
    session.flush()
    audit.record(
        session, actor, "config.change",
        payload={"process": process_key, "version": config.version, "before": before, "after": config.values,
                 "changed": sorted(k for k in set(before) | set(merged) if before.get(k) != merged.get(k))},
    )
    return config


def change_from_form(session: Session, actor: Actor, process_key: str, form: Mapping[str, list[str]]) -> ProcessConfig:
    """:func:`change` from an HTML form: each schema key's submitted strings, converted by its type.

    :raises InvalidInput: as :func:`change`; also when the process has no schema.
    """
    schema = bundled_schema(process_key)
    if schema is None:
        raise InvalidInput(f"process {process_key!r} has no configuration schema")
    values = _validated(schema, {name: _from_text(spec, form.get(name, [])) for name, spec in schema.items()},
                        strict=False)
    return change(session, actor, process_key, values)


def _mapping(values: Any) -> dict[str, Any]:
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise InvalidInput(f"configuration must be an object with at most {MAX_VALUES} entries")
    return values


def _check_values(values: Any) -> None:
    _mapping(values)
    bad = {
        name: ["须为文字、数字、真假值或列表 (must be a string, number, boolean or list)"]
        for name, value in values.items()
        if not name.isidentifier() or name.startswith("_") or not isinstance(value, (str, int, float, bool, list))
    }
    if bad:
        raise InvalidInput("invalid configuration values", fields=bad)


@dataclass(frozen=True)
class ConfigVersion:
    version: int
    values: dict[str, Any]
    changed_by: str
    changed_at: Any


def versions(session: Session, process_key: str) -> list[ConfigVersion]:
    """Every stored version, newest first, ending with version 0 (the shipped defaults)."""
    rows = session.scalars(select(ProcessConfig).where(ProcessConfig.process_key == process_key)
                           .order_by(ProcessConfig.version.desc()))
    defaults = bundled_config(process_key) or {}
    stored = [ConfigVersion(r.version, {**defaults, **r.values}, r.changed_by, r.changed_at) for r in rows]
    return stored + [ConfigVersion(0, dict(defaults), "", None)]


def diff(older: Mapping[str, Any], newer: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """The keys whose values differ, as (key, older value, newer value), sorted by key."""
    return [(k, older.get(k), newer.get(k)) for k in sorted(set(older) | set(newer)) if older.get(k) != newer.get(k)]


def configurable_processes(session: Session) -> list[str]:
    """Processes with shipped defaults or stored versions."""
    shipped = {p.name.removesuffix(".config.json") for p in BUNDLED_DIR.glob("*.config.json")}
    stored = set(session.scalars(select(ProcessConfig.process_key).distinct()))
    return sorted(shipped | stored)


# --- schemas ---------------------------------------------------------------------------------------

class _KeySpec(Schema):
    type = fields.String(required=True, validate=validate.OneOf(VALUE_TYPES))
    label = fields.Nested(LabelSchema, required=True)
    help = fields.Nested(LabelSchema, load_default=None)
    min = fields.Float(load_default=None)
    max = fields.Float(load_default=None)
    choices = fields.List(fields.Nested(OptionSchema), load_default=None)

    class Meta:
        unknown = RAISE

    @validates_schema
    def _choices_only_for_lists(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("choices") and data["type"] != "list":
            raise ValidationError("choices are for list values only", "choices")


def bundled_schema(process_key: str) -> dict[str, dict[str, Any]] | None:
    """The typed schema shipped beside a model (``<key>.config.schema.json``), checked; None if absent.

    :raises InvalidModel: when the schema file is malformed.
    """
    path = BUNDLED_DIR / f"{process_key}.config.schema.json"
    if not path.exists():
        return None
    return _parsed_schema(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def _parsed_schema(text: str) -> dict[str, dict[str, Any]]:
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or not all(isinstance(k, str) and k.isidentifier() for k in document):
            raise ValidationError("the schema must map configuration names to key descriptions")
        return {name: _KeySpec().load(spec) for name, spec in document.items()}
    except (ValueError, ValidationError) as exc:
        raise InvalidModel(f"configuration schema is invalid: {exc}") from None


def _validated(schema: Mapping[str, dict[str, Any]], values: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """Values checked (and for forms converted) against the schema, or InvalidInput naming each bad key."""
    declared = {name: _field(spec, strict) for name, spec in schema.items()}
    loader = Schema.from_dict(declared, name="ConfigValues")()
    try:
        loaded: dict[str, Any] = loader.load(values, unknown=RAISE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidInput("配置值有误 (invalid configuration)", fields={
            name: [_message(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for name, msgs in messages.items()}) from None
    return loaded


def _message(message: Any) -> str:
    if message == "Unknown field.":
        return "未知的配置项 (unknown key)"
    return message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)


def _field(spec: dict[str, Any], strict: bool) -> fields.Field:
    kind = spec["type"]
    common: dict[str, Any] = {"required": True, "error_messages": {"required": "此项为必填项 (required)"}}
    bounds = validate.Range(min=spec.get("min"), max=spec.get("max"), error="超出允许范围 {min} – {max}")
    if kind == "integer":
        return fields.Integer(strict=strict, validate=bounds, **common)
    if kind == "number":
        return fields.Float(validate=bounds, **common)
    if kind == "boolean":
        return fields.Boolean(truthy={True} if strict else fields.Boolean.truthy,
                              falsy={False} if strict else fields.Boolean.falsy, **common)
    if kind == "duration":
        return fields.String(validate=_iso_duration, **common)
    if kind == "string":
        return fields.String(validate=validate.Length(max=200), **common)
    choices = [c["value"] for c in spec.get("choices") or []]
    item = fields.String(validate=validate.OneOf(choices, error="须为以下之一: {choices}") if choices
                         else validate.Length(min=1, max=200))
    return fields.List(item, validate=validate.Length(max=MAX_LIST), **common)


def _iso_duration(value: str) -> None:
    try:
        if not value.upper().startswith("P"):
            raise ValueError(value)
        TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # Spiff raises a bare Exception for a bad duration
        raise ValidationError("须为 ISO 8601 时长，如 P5D、PT12H (an ISO 8601 duration)") from None


def _from_text(spec: dict[str, Any], submitted: list[str]) -> Any:
    """An HTML form's strings for one key, before validation: lists stay lists, a checkbox absent is False."""
    if spec["type"] == "list":
        return [s.strip() for s in submitted if s.strip()]
    if spec["type"] == "boolean":
        return bool(submitted) and submitted[-1] not in ("", "0", "false", "off")
    return submitted[-1].strip() if submitted else None
