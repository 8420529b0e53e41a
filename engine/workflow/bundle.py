"""Reading a model file with the form definitions it references, as shipped in ``workflows/bpmn/``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import workflows
from engine.errors import InvalidModel
from engine.workflow.validation import SPIFF_NS, parse_safe_xml

BUNDLED_DIR = Path(workflows.__file__).parent / "bpmn"
FORMS_DIR_NAME = "forms"


def read_model_file(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The BPMN bytes and every form it references, read from ``forms/`` beside the file.

    :raises InvalidModel: when the file cannot be read, or a referenced form is missing or not JSON.
    """
    try:
        xml = path.read_bytes()
    except OSError as exc:
        raise InvalidModel(f"cannot read {path}: {exc.strerror}") from None
    root = parse_safe_xml(xml)
    keys = {p.get("value") for p in root.iter(f"{{{SPIFF_NS}}}property") if p.get("name") == "formKey"}
    return xml, {key: _read_form(path.parent / FORMS_DIR_NAME / f"{key}.json") for key in sorted(k for k in keys if k)}


def _read_form(path: Path) -> Any:
    if path.name.startswith(".") or "/" in path.stem:
        raise InvalidModel(f"bad form reference {path.stem!r}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidModel(f"form file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise InvalidModel(f"form file {path} is not readable JSON: {exc}") from None


def bundled_model_files() -> list[Path]:
    return sorted(BUNDLED_DIR.glob("*.bpmn"))


def bundled_config(process_key: str) -> dict[str, Any] | None:
    """The default configuration shipped beside a model (``<key>.config.json``), if any (a fresh copy)."""
    text = _config_text(process_key)
    return json.loads(text) if text is not None else None


@functools.cache
def _config_text(process_key: str) -> str | None:
    """The shipped file, read once per process: it is part of the installation and every advance needs it."""
    path = BUNDLED_DIR / f"{process_key}.config.json"
    return path.read_text(encoding="utf-8") if path.exists() else None


def bundled_forms() -> dict[str, Any]:
    """Every form definition shipped in ``workflows/bpmn/forms``."""
    return {path.stem: _read_form(path) for path in sorted((BUNDLED_DIR / FORMS_DIR_NAME).glob("*.json"))}
