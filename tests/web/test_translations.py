"""The UI speaks Chinese first and English on request: every message of the templates and views is translated."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from engine.actors import Role
from engine.monitoring import rules
from engine.reports.builders import KINDS
from tests.web.conftest import login
from web import labels
from web.babel_bpmn import BUNDLED, bundled_names, process_names

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _used_messages() -> set[str]:
    found: set[str] = set()
    method_map = [("web/templates/**.html", "jinja2"), ("web/**.py", "python"),
                  ("workflows/bpmn/*.bpmn", "web.babel_bpmn:extract_bpmn")]
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


# ---------------------------------------------------------------- codes shown to people: one label each

AUDIT_SOURCES = ("engine", "web", "integrations")


def _module_dicts(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level ``NAME = {...: "literal"}`` tables (an action chosen from a table)."""
    tables: dict[str, list[str]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Dict)):
            continue
        values = node.value.values
        tables[node.targets[0].id] = [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return tables


def _literals(node: ast.expr, tables: dict[str, list[str]]) -> list[str] | None:
    """The strings an action argument can be: a literal, either branch of a conditional, a value of a table."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body, tables), _literals(node.orelse, tables)
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in tables:
        return tables[node.value.id]
    return None


def _audit_calls() -> tuple[set[str], set[str], list[str]]:
    """Every action and payload key that ``audit.record`` can be given in the code; and calls it cannot read."""
    actions: set[str] = set()
    keys: set[str] = set()
    unreadable: list[str] = []
    for folder in AUDIT_SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            tables = _module_dicts(tree)
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "audit"):
                    continue
                action = node.args[2] if len(node.args) > 2 else next(
                    (k.value for k in node.keywords if k.arg == "action"), None)
                found = _literals(action, tables) if action is not None else None
                if found is None:
                    unreadable.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                actions.update(found or [])
                payload = next((k.value for k in node.keywords if k.arg == "payload"), None)
                if isinstance(payload, ast.Dict):
                    keys.update(str(k.value) for k in payload.keys if isinstance(k, ast.Constant))
    return actions, keys, unreadable


def _msgid(label: object) -> str:
    """The Chinese msgid behind a lazy label."""
    args = getattr(label, "_args", None)
    assert args, f"{label!r} is not a lazy translated label"
    return str(args[0])


def _untranslated(table: dict[str, object], codes: set[str]) -> list[str]:
    catalog = read_po(CATALOG.open("rb"), locale="en")
    problems = []
    for code in sorted(codes):
        if code not in table:
            problems.append(f"{code}: no label")
            continue
        msgid = _msgid(table[code])
        if not CHINESE.search(msgid):
            problems.append(f"{code}: label {msgid!r} is not Chinese")
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            problems.append(f"{code}: no English for {msgid!r}")
    return problems


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_audit_action_and_payload_key_has_a_label() -> None:
    actions, keys, unreadable = _audit_calls()
    assert not unreadable, f"write these actions as literals (or a module-level table) so they can be labelled: {unreadable}"
    assert len(actions) > 50 and "credit.level_change" in actions and "ticket.closed" in actions
    assert not _untranslated(dict(labels.ACTIONS), actions), "add to web/labels.py ACTIONS"
    assert not _untranslated(dict(labels.AREAS), {a.split(".")[0] for a in actions}), "add to web/labels.py AREAS"
    assert not _untranslated(dict(labels.PAYLOAD_KEYS), keys), "add to web/labels.py PAYLOAD_KEYS"


def test_every_role_rule_and_rule_parameter_has_a_label() -> None:
    assert not _untranslated(dict(labels.ROLE_LABELS), {role.value for role in Role})
    assert not _untranslated(dict(labels.RULES), set(rules.DEFAULTS))
    parameters = {name for params in rules.DEFAULTS.values() for name in params} | set(rules._SPECS)
    assert not _untranslated(dict(labels.RULE_PARAMS), parameters)


def test_every_bundled_process_and_setting_has_chinese_and_english_names() -> None:
    catalog = read_po(CATALOG.open("rb"), locale="en")
    keys = {path.stem for path in BUNDLED.glob("*.bpmn")}
    assert keys and set(process_names()) == keys, "every bundled model names its process"
    names = bundled_names()
    assert {name for name in names if not getattr(catalog.get(name), "string", "")} == set(), \
        "make translations, then add English for the bundled process and step names"
    problems = []
    for config in sorted(BUNDLED.glob("*.config.json")):
        key = config.name.removesuffix(".config.json")
        schema = json.loads((BUNDLED / f"{key}.config.schema.json").read_text(encoding="utf-8"))
        for name in json.loads(config.read_text(encoding="utf-8")):
            spec = schema.get(name) or {}
            choices = [c.get("label", {}) for c in spec.get("choices", [])]
            for words in [spec.get("label", {}), *choices]:
                if not (CHINESE.search(words.get("zh", "")) and words.get("en")):
                    problems.append(f"{key}.{name}: {words}")
    assert not problems, f"label every setting in zh and en in its config.schema.json: {problems}"


def test_every_report_kind_has_its_title_as_label() -> None:
    assert not _untranslated(dict(labels.REPORT_KINDS), set(KINDS))
    assert {key: _msgid(labels.REPORT_KINDS[key]) for key in KINDS} == {key: kind.title for key, kind in KINDS.items()}
