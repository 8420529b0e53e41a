"""The UI speaks Chinese first and English on request: every message of the templates and views is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests.web.conftest import login

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _used_messages() -> set[str]:
    found: set[str] = set()
    method_map = [("web/templates/**.html", "jinja2"), ("web/**.py", "python")]
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_message_has_an_english_translation_with_the_same_placeholders() -> None:
    catalog = read_po(CATALOG.open("rb"), locale="en")
    missing, broken = [], []
    for msgid in sorted(_used_messages()):
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.append(msgid)
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(entry.string)):
            broken.append(msgid)
    assert not missing, f"add English for these messages (make translations): {missing}"
    assert not broken, f"placeholders differ in: {broken}"


def _compiled() -> None:
    """The English .mo is built by `make install`; build it here too when it is missing or stale."""
    target = CATALOG.with_suffix(".mo")
    if not target.exists() or target.stat().st_mtime < CATALOG.stat().st_mtime:
        with target.open("wb") as handle:
            write_mo(handle, read_po(CATALOG.open("rb"), locale="en"))


def test_the_language_switch_renders_english_pages(app: Flask) -> None:
    _compiled()
    county = login(app, "county-440106")
    chinese = county.get("/tasks/").get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and "待办事项" in chinese
    county.post("/language", {"lang": "en", "next": "/tasks/"})
    english = county.get("/tasks/").get_data(as_text=True)
    assert 'lang="en"' in english and ">To do<" in english and "Batch review" in english
    assert "待办事项" not in english
