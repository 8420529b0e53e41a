"""Turning an HTML form post into the data a task's form definition validates."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from engine.forms import FormDefinition


def form_data(definition: FormDefinition, posted: MultiDict[str, str]) -> dict[str, Any]:
    """Keep only declared fields; empty inputs are left out so that 'required' rules speak."""
    data: dict[str, Any] = {}
    for field in definition.fields:
        name, kind = field["name"], field["type"]
        if kind == "attachments":
            values = [v for v in posted.getlist(name) if v.strip()]
            if values:
                data[name] = [int(v) if v.isdigit() else v for v in values]
        elif kind == "boolean":
            data[name] = posted.get(name) in ("on", "true", "1")
        elif posted.get(name, "").strip():
            data[name] = posted[name].strip()
    return data
