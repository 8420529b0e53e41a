"""Form fields of the UI's actions loaded through a schema; a refusal is a field error (422), never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError

from engine.errors import InvalidInput
from web.api.core import flatten


def load_form(schema: Schema, values: Mapping[str, Any]) -> dict[str, Any]:
    """``schema.load(values)``, or :class:`InvalidInput` naming each refused field (an over-long e-mail, an
    empty batch, …), which ``web/errors.py`` shows as a 422 page with the fields listed.
    """
    try:
        loaded: dict[str, Any] = schema.load(values, unknown=EXCLUDE)
    except ValidationError as exc:
        fields = flatten(exc.messages)
        raise InvalidInput("请检查填写内容：" + "、".join(fields) + " (invalid form fields)", fields=fields) from None
    return loaded
