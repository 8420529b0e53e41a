"""Field helpers shared by the API schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from web.api.core import reject_control_characters


def text(max_length: int, *, min_length: int = 0, **kwargs: Any) -> fields.String:
    """A string input of bounded length without control characters."""
    return fields.String(validate=[validate.Length(min=min_length, max=max_length), reject_control_characters], **kwargs)


def json_object(**kwargs: Any) -> fields.Dict:
    """A free-form JSON object (form data, start data); strings in it may not carry control characters."""
    return fields.Dict(keys=fields.String(), validate=reject_control_characters, **kwargs)
