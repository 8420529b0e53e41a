"""Form definitions: the data a user task asks for, declared as JSON and validated on the server.

A definition looks like::

    {"key": "county_review", "title": {"zh": "区县初审", "en": "County review"},
     "outcome_field": "decision", "opinion_field": "opinion",
     "fields": [{"name": "decision", "type": "enum", "required": true,
                 "label": {"zh": "审核结论", "en": "Decision"},
                 "options": [{"value": "accept", "label": {"zh": "通过", "en": "Accept"}}]},
                {"name": "opinion", "type": "text", "max_length": 2000,
                 "label": {"zh": "审核意见", "en": "Opinion"},
                 "required_if": {"field": "decision", "in": ["return"]}}]}

``required_if`` lists the values that make a field required (``"in"``), or names
a process configuration value holding that list (``"in_config"``, e.g.
``{"field": "reason", "in_config": "evidence_required_reasons"}``): the list is
then read from the configuration version the task was created under, which the
caller passes to :meth:`FormDefinition.validate`.

Field types: string, text, enum, boolean, integer, number, date, attachments
(a list of attachment ids). Submitted data is checked with a marshmallow
schema built from the definition; messages are Chinese and name the field.
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

from engine.db import MAX_ID
from engine.errors import InvalidForm, InvalidModel

FIELD_TYPES = ("string", "text", "enum", "boolean", "integer", "number", "date", "attachments")
STRING_MAX = 200
TEXT_MAX = 5000

_MESSAGES = {
    "required": "此项为必填项",
    "null": "此项不能为空",
    "invalid": "格式不正确",
}


class LabelSchema(Schema):
    """A bilingual label (zh required, en optional); also used by process configuration schemas."""

    zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    en = fields.String(load_default="", validate=validate.Length(max=200))


class OptionSchema(Schema):
    """A value to choose with its label."""

    value = fields.String(required=True, validate=validate.Length(min=1, max=60))
    label = fields.Nested(LabelSchema, required=True)


class _Condition(Schema):
    field = fields.String(required=True)
    in_ = fields.List(fields.Raw(), load_default=None, data_key="in")
    in_config = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,99}$"))

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("in_") is None) == (data.get("in_config") is None):
            raise ValidationError("required_if needs either 'in' or 'in_config'")


class _FieldDefinition(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$"))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = fields.Nested(LabelSchema, required=True)
    required = fields.Boolean(load_default=False)
    required_if = fields.Nested(_Condition, load_default=None)
    options = fields.List(fields.Nested(OptionSchema), load_default=None)
    max_length = fields.Integer(load_default=None, validate=validate.Range(min=1, max=TEXT_MAX))
    minimum = fields.Float(load_default=None)
    maximum = fields.Float(load_default=None)
    help = fields.Nested(LabelSchema, load_default=None)

    @validates_schema
    def _enum_has_options(self, data: dict[str, Any], **_: Any) -> None:
        if data["type"] == "enum" and not data.get("options"):
            raise ValidationError(f"enum field {data['name']!r} needs options", "options")


class _FormDefinitionSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,99}$"))
    title = fields.Nested(LabelSchema, required=True)
    fields_ = fields.List(fields.Nested(_FieldDefinition), required=True, data_key="fields")
    outcome_field = fields.String(load_default=None)
    opinion_field = fields.String(load_default=None)


@dataclass(frozen=True)
class FormDefinition:
    key: str
    title: dict[str, str]
    fields: tuple[dict[str, Any], ...]
    outcome_field: str | None
    opinion_field: str | None

    def field(self, name: str) -> dict[str, Any] | None:
        return next((f for f in self.fields if f["name"] == name), None)

    @property
    def config_keys(self) -> frozenset[str]:
        """The configuration values the form's conditions read (``required_if.in_config``)."""
        return frozenset(f["required_if"]["in_config"] for f in self.fields
                         if f.get("required_if") and f["required_if"].get("in_config"))

    def validate(self, data: Any, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the cleaned data, or raise :class:`InvalidForm` with messages per field.

        :param config: the process configuration the task was created under; needed when
            :attr:`config_keys` is not empty.
        :raises InvalidModel: when a configuration value the form reads is missing or not a list.
        """
        if not isinstance(data, dict):
            raise InvalidForm("表单数据必须是对象 (form data must be an object)")
        resolved = self._resolved_fields(config)
        schema = _data_schema(json.dumps([self.key, resolved], sort_keys=True, ensure_ascii=False))
        try:
            cleaned: dict[str, Any] = schema.load(data)
        except ValidationError as exc:
            raise InvalidForm(f"表单 {self.key} 填写有误", fields=_flatten(exc.messages)) from None
        return cleaned

    def _resolved_fields(self, config: Mapping[str, Any] | None) -> list[dict[str, Any]]:
        """The field definitions with each ``in_config`` condition replaced by the configured list."""
        resolved = []
        for definition in self.fields:
            condition = definition.get("required_if")
            if condition and condition.get("in_config"):
                name = condition["in_config"]
                values = (config or {}).get(name)
                if not isinstance(values, list):
                    raise InvalidModel(f"form {self.key!r}: configuration value {name!r} is not a list of values")
                definition = {**definition, "required_if": {"field": condition["field"], "in_": values}}
            resolved.append(definition)
        return resolved


def parse_form_definition(document: Any) -> FormDefinition:
    """Check a form definition document.

    :raises InvalidModel: naming the form and the first problem found.
    """
    try:
        loaded = _FormDefinitionSchema().load(document)
    except ValidationError as exc:
        key = document.get("key") if isinstance(document, dict) else None
        raise InvalidModel(f"form definition {key!r} is invalid: {exc.messages}") from None
    names = [f["name"] for f in loaded["fields_"]]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise InvalidModel(f"form {loaded['key']!r} declares the field(s) {sorted(duplicates)} twice")
    for special in ("outcome_field", "opinion_field"):
        if loaded[special] is not None and loaded[special] not in names:
            raise InvalidModel(f"form {loaded['key']!r}: {special} {loaded[special]!r} is not one of its fields")
    for definition in loaded["fields_"]:
        condition = definition.get("required_if")
        if condition and condition["field"] not in names:
            raise InvalidModel(f"form {loaded['key']!r}: field {definition['name']!r} depends on unknown field")
    return FormDefinition(
        key=loaded["key"],
        title=loaded["title"],
        fields=tuple(loaded["fields_"]),
        outcome_field=loaded["outcome_field"],
        opinion_field=loaded["opinion_field"],
    )


@lru_cache(maxsize=256)
def _data_schema(definition_json: str) -> Schema:
    _, definitions = json.loads(definition_json)
    declared = {d["name"]: _marshmallow_field(d) for d in definitions}
    conditions = {d["name"]: d["required_if"] for d in definitions if d.get("required_if")}

    class _Data(Schema.from_dict(declared, name="FormFields")):  # type: ignore[misc]
        error_messages = {"unknown": "表单中没有此字段 (unknown field)"}

        class Meta:
            unknown = RAISE

        @validates_schema
        def _conditional_required(self, data: dict[str, Any], **_: Any) -> None:
            errors = {
                name: [_MESSAGES["required"]]
                for name, condition in conditions.items()
                if data.get(condition["field"]) in condition["in_"] and data.get(name) in (None, "", [])
            }
            if errors:
                raise ValidationError(errors)

    return _Data()


class _WholeNumber(fields.Integer):
    """An integer field that refuses 1.5 instead of truncating it to 1."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        result: int = super()._validated(value)
        return result


def _marshmallow_field(definition: dict[str, Any]) -> fields.Field:
    kind = definition["type"]
    required = bool(definition.get("required"))
    common: dict[str, Any] = {
        "required": required,
        "allow_none": not required,
        "error_messages": dict(_MESSAGES),
    }
    if kind in ("string", "text"):
        limit = definition.get("max_length") or (STRING_MAX if kind == "string" else TEXT_MAX)
        checks = [validate.Length(max=limit, error=f"不能超过 {limit} 个字符")]
        if required:
            checks.append(validate.Length(min=1, error=_MESSAGES["required"]))
        return fields.String(validate=checks, **common)
    if kind == "enum":
        choices = [o["value"] for o in definition["options"]]
        return fields.String(validate=validate.OneOf(choices, error=f"须为以下之一: {', '.join(choices)}"), **common)
    if kind == "boolean":
        return fields.Boolean(**common)
    if kind in ("integer", "number"):
        field_class = _WholeNumber if kind == "integer" else fields.Float
        bounds = validate.Range(
            min=definition.get("minimum"), max=definition.get("maximum"), error="超出允许范围 {min} – {max}"
        )
        return field_class(validate=bounds, **common)
    if kind == "date":
        return fields.Date(**common)
    identifier = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID, error="附件编号无效"))
    at_least_one = [validate.Length(min=1, error=_MESSAGES["required"])] if required else []
    return fields.List(identifier, validate=at_least_one, **common)


def _flatten(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if name == "_schema" or isinstance(value, list):
            flat[name] = [str(m) if not isinstance(m, dict) else json.dumps(m, ensure_ascii=False) for m in value]
        elif isinstance(value, dict):
            flat[name] = ["格式不正确"]
        else:
            flat[name] = [str(value)]
    return flat
