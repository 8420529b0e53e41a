"""The bundled models' process and step names as messages: a Babel extractor (babel.cfg) and a key → name table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

BUNDLED = Path(__file__).resolve().parents[1] / "workflows" / "bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _named(root: ET.Element) -> Iterator[tuple[str, ET.Element]]:
    """The process and its tasks (the names people see in lists, timelines and notifications)."""
    for element in root.iter():
        kind = element.tag[len(BPMN):] if isinstance(element.tag, str) and element.tag.startswith(BPMN) else ""
        if (kind == "process" or kind.endswith("Task")) and element.get("name"):
            yield kind, element


def extract_bpmn(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                 options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor: each process and task name of a BPMN file is a message (Chinese msgid)."""
    for kind, element in _named(ET.parse(fileobj).getroot()):
        yield 0, "_", str(element.get("name")), [f"BPMN {kind} {element.get('id')}"]


def bundled_names() -> set[str]:
    """Every process and task name of the bundled models."""
    return {str(element.get("name")) for path in sorted(BUNDLED.glob("*.bpmn"))
            for _kind, element in _named(ET.parse(path).getroot())}


@lru_cache(maxsize=1)
def process_names() -> dict[str, str]:
    """Bundled process key (the file stem) → its Chinese name."""
    names = {}
    for path in sorted(BUNDLED.glob("*.bpmn")):
        process = ET.parse(path).getroot().find(f"{BPMN}process")
        if process is not None and process.get("name"):
            names[path.stem] = str(process.get("name"))
    return names


@lru_cache(maxsize=1)
def step_names() -> dict[str, str]:
    """A bundled task's id (what audit payloads record as ``step``) → its Chinese name."""
    return {str(element.get("id")): str(element.get("name")) for path in sorted(BUNDLED.glob("*.bpmn"))
            for kind, element in _named(ET.parse(path).getroot()) if kind != "process"}
