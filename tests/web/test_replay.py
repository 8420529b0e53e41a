"""Replay (预演) from the command line, the API and the page on the demo's data: same counts, refusals, cancel,
export and activation from a replay."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.actors import Actor, Role
from engine.audit.models import AuditEvent
from engine.monitoring import rules
from engine.monitoring.models import MonitoringRule
from engine.replay import runs
from engine.replay.models import ReplayRun, ReplayStatus, RuleDraft
from engine.replay.spec import CHINA, Period, Scope
from tests.web.api.conftest import login as api_login
from tests.web.conftest import Browser, login
from web.cli_monitoring import monitoring_group

TODAY = datetime.now(CHINA).date()
FROM, TO = (TODAY - timedelta(days=3)).isoformat(), TODAY.isoformat()
ADMIN = Actor("admin", frozenset({Role.ADMIN}), "440000")
DRAFT = {"rules": {"constant": {"count": 3}, "exceedance": {"enabled": False}}}


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(monitoring_group, ["replay", *args])


def _draft_file(tmp_path: Path, draft: object) -> str:
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft), encoding="utf-8")
    return str(path)


def _runs(app: Flask) -> int:
    with app.extensions["ecoloop.sessions"]() as session:
        return int(session.scalar(select(func.count()).select_from(ReplayRun)) or 0)


def _wait_api(client: Any, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = client.get(location).get_json()
        if run["status"] not in ("queued", "running"):
            return run  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("replay did not finish in time")


def _form_of(params: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The draft page's inputs for these groups, as a browser submits them (an unchecked box is left out)."""
    form: dict[str, str] = {}
    for key, values in params.items():
        for name, value in values.items():
            if isinstance(value, bool):
                if value:
                    form[f"{key}.{name}"] = "on"
            else:
                form[f"{key}.{name}"] = " ".join(value) if isinstance(value, list) else str(value)
    return form


def _page_replay(app: Flask, browser: Browser) -> tuple[int, dict[str, tuple[int, int]]]:
    assert browser.get("/admin/rules/drafts").status_code == 200
    created = browser.post("/admin/rules/drafts", {"name": "恒值缩短"})
    assert created.status_code == 302
    draft_path = created.headers["Location"]
    browser.get(draft_path)
    with app.extensions["ecoloop.sessions"]() as session:
        params = {key: dict(value) for key, value in rules.load_book(session).params.items()}
    params["constant"]["count"], params["exceedance"]["enabled"] = 3, False
    saved = browser.post(draft_path, {"name": "恒值缩短", "factors": "{}", **_form_of(params)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    started = browser.post(f"{draft_path}/replay", {"from": FROM, "to": TO, "scope": "province", "code": ""})
    assert started.status_code == 302, started.get_data(as_text=True)
    run_path = started.headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = browser.get(run_path).get_data(as_text=True)
        if 'data-status="done"' in page:
            rows = re.findall(r'<tr data-rule="(\w+)"><td>[^<]*</td><td class="current">(\d+)</td>'
                              r'<td class="draft">(\d+)</td>', page)
            return int(run_path.rsplit("/", 1)[1]), {kind: (int(c), int(d)) for kind, c, d in rows}
        time.sleep(0.2)
    raise AssertionError("page replay did not finish in time")


def _by_rule(summary: dict[str, Any]) -> dict[str, tuple[int, int]]:
    current, draft = summary["current"]["findings"]["by_rule"], summary["draft"]["findings"]["by_rule"]
    return {kind: (current.get(kind, 0), draft.get(kind, 0)) for kind in set(current) | set(draft)}


def test_command_api_and_page_give_the_same_counts(app: Flask, tmp_path: Path) -> None:
    command = _cli(app, "--draft", _draft_file(tmp_path, DRAFT), "--from", FROM, "--to", TO,
                   "--xlsx", str(tmp_path / "replay.xlsx"))
    assert command.exit_code == 0, command.output
    printed = json.loads(command.output)
    assert set(printed) >= {"current", "draft"}
    assert {"opened", "no_longer_opened"} <= set(printed["draft"]["cases"])
    assert printed["current"]["findings"]["by_rule"]["exceedance"] > 0  # the demo plants exceedances
    assert "exceedance" not in printed["draft"]["findings"]["by_rule"]
    assert printed["draft"]["cases"]["no_longer_opened"] > 0
    assert "新增立案" in load_workbook(tmp_path / "replay.xlsx").sheetnames

    admin = api_login(app, "admin")
    started = admin.post("/api/v1/monitoring/replays", json={"draft": DRAFT, "from": FROM, "to": TO})
    assert started.status_code == 202, started.get_json()
    assert _wait_api(admin, started.headers["Location"])["status"] == "done"
    result = admin.get(started.headers["Location"] + "/result").get_json()

    run_id, page = _page_replay(app, login(app, "admin"))
    assert _by_rule(printed) == _by_rule(result["summary"]) == {k: v for k, v in page.items() if v != (0, 0)}
    for side in ("current", "draft"):
        assert printed[side]["cases"] == result["summary"][side]["cases"]
    with app.extensions["ecoloop.sessions"]() as session:
        stored = session.get(ReplayRun, run_id)
        assert stored is not None and stored.summary is not None
        assert stored.summary["draft"]["cases"] == printed["draft"]["cases"]


def test_an_invalid_draft_is_refused_naming_the_field_and_nothing_is_written(app: Flask, tmp_path: Path) -> None:
    before = _runs(app)
    bad = _cli(app, "--draft", _draft_file(tmp_path, {"rules": {"constant": {"count": 1}}}), "--from", FROM,
               "--to", TO)
    assert bad.exit_code == 2 and "rules.constant.count" in bad.output
    not_json = tmp_path / "broken.json"
    not_json.write_text("{", encoding="utf-8")
    broken = _cli(app, "--draft", str(not_json), "--from", FROM, "--to", TO)
    assert broken.exit_code == 2 and "draft" in broken.output
    period = _cli(app, "--draft", _draft_file(tmp_path, {}), "--from", TO, "--to", FROM)
    assert period.exit_code == 2 and "to:" in period.output
    admin = api_login(app, "admin")
    refused = admin.post("/api/v1/monitoring/replays",
                         json={"draft": {"rules": {"sudden_change": {"ratio": -1}}}, "from": FROM, "to": TO})
    assert refused.status_code == 422 and "rules.sudden_change.ratio" in refused.get_data(as_text=True)
    assert _runs(app) == before


def test_only_administrators_replay(app: Flask) -> None:
    city = api_login(app, "city-440100")
    assert city.post("/api/v1/monitoring/replays", json={"draft": {}, "from": FROM, "to": TO}).status_code == 403
    assert login(app, "city-440100").get("/admin/rules/drafts").status_code == 403


def test_cancel_stops_a_running_replay_and_a_queued_one(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = app.extensions["ecoloop.sessions"]
    with sessions.begin() as session:
        run_id = runs.request(session, ADMIN, DRAFT, Period.parse(FROM, TO), Scope.parse("province", None)).id
    real_progress = runs._progress

    def cancel_then_report(factory: Any, run: int, done: int, total: int) -> None:
        with factory.begin() as session:  # the administrator presses cancel while it runs
            if not session.get(ReplayRun, run).cancel_requested:
                runs.cancel(session, ADMIN, run)
        real_progress(factory, run, done, total)

    monkeypatch.setattr(runs, "_progress", cancel_then_report)
    with sessions.begin() as session:
        assert runs.claim(session, run_id) == run_id
    assert runs.execute(sessions, run_id) == ReplayStatus.CANCELLED
    monkeypatch.undo()
    client = api_login(app, "admin")
    assert client.get(f"/api/v1/monitoring/replays/{run_id}").get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/monitoring/replays/{run_id}/result").status_code == 409
    assert client.post(f"/api/v1/monitoring/replays/{run_id}/cancel").status_code == 409
    with sessions.begin() as session:
        queued = runs.request(session, ADMIN, DRAFT, Period.parse(FROM, TO), Scope.parse("province", None)).id
    cancelled = client.post(f"/api/v1/monitoring/replays/{queued}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    with sessions.begin() as session:
        assert runs.claim(session, queued) is None
    assert runs.execute(sessions, queued) == ReplayStatus.CANCELLED


def test_a_draft_is_activated_from_its_replay_or_with_a_reason(app: Flask) -> None:
    browser = login(app, "admin")
    run_id, _ = _page_replay(app, browser)
    with app.extensions["ecoloop.sessions"]() as session:
        draft_id = session.get(ReplayRun, run_id).draft_id  # type: ignore[union-attr]
    page = browser.get(f"/admin/rules/replays/{run_id}")
    assert "activate-form" in page.get_data(as_text=True)
    exported = browser.client.get(f"/admin/rules/replays/{run_id}.xlsx")
    assert exported.status_code == 200 and "按规则" in load_workbook(BytesIO(exported.data)).sheetnames
    no_reason = browser.post(f"/admin/rules/drafts/{draft_id}/activate", {"reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_data(as_text=True)
    activated = browser.post(f"/admin/rules/drafts/{draft_id}/activate", {"replay_id": str(run_id)})
    assert activated.status_code == 302
    with app.extensions["ecoloop.sessions"]() as session:
        assert session.get(MonitoringRule, "constant").params["count"] == 3  # type: ignore[union-attr]
        assert session.get(MonitoringRule, "exceedance").params["enabled"] is False  # type: ignore[union-attr]
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.rules_activate")
                                .order_by(AuditEvent.seq.desc())).first()
        assert event is not None and event.payload["run"] == run_id and event.payload["draft_id"] == draft_id
        changes = session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.rule_change")).all()
        assert {c.payload["rule"] for c in changes} >= {"constant", "exceedance"}
    with app.extensions["ecoloop.sessions"].begin() as session:  # put the live rules back for the other tests
        for key in ("constant", "exceedance"):
            rules.update_rule(session, ADMIN, key,
                              dict(rules.DEFAULTS[key]))


def test_the_draft_page_names_a_bad_field_and_keeps_the_draft(app: Flask) -> None:
    browser = login(app, "admin")
    assert browser.get("/admin/rules/drafts").status_code == 200
    draft_path = browser.post("/admin/rules/drafts", {"name": "坏草案"}).headers["Location"]
    browser.get(draft_path)
    with app.extensions["ecoloop.sessions"]() as session:
        params = {key: dict(value) for key, value in rules.load_book(session).params.items()}
    params["constant"]["count"] = 1
    refused = browser.post(draft_path, {"name": "坏草案", "factors": "{}", **_form_of(params)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "rules.constant.count" in page and 'id="constant.count"' in page
    broken = browser.post(draft_path, {"name": "坏草案", "factors": "{", **_form_of(params)})
    assert broken.status_code == 422 and "<code>factors</code>" in broken.get_data(as_text=True)
    with app.extensions["ecoloop.sessions"]() as session:
        draft_id = int(draft_path.rsplit("/", 1)[1])
        assert session.get(RuleDraft, draft_id).rules == {}  # type: ignore[union-attr]
