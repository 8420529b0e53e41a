"""The replay judges stored data with the live rules: no differences for the current set, exact ones for a change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.errors import InvalidInput
from engine.monitoring import rules
from engine.monitoring.models import Anomaly, AnomalyCase
from engine.replay import replayer, runs
from engine.replay.models import ReplayRun
from engine.replay.spec import Scope
from tests.engine.monitoring.factories import AIR_MN
from tests.engine.replay.factories import EVERY_KIND, EXCEEDANCE_CASES, PERIOD, province_with_every_kind, run
from tests.support.actors import ADMIN, ENTERPRISE_TIANHE


@pytest.mark.parametrize("judge_twice", [True, False], ids=["judged-twice", "alike-points-shared"])
def test_the_current_rules_as_draft_give_no_difference_on_data_with_every_kind(
        session: Session, monkeypatch: pytest.MonkeyPatch, judge_twice: bool) -> None:
    """Judged twice through the live evaluation (not only by sharing the findings of points judged alike)."""
    province_with_every_kind(session)
    if judge_twice:
        monkeypatch.setattr(replayer, "_judged_alike", lambda context, window: False)
    current = {key: dict(params) for key, params in rules.load_book(session).params.items()}
    result = run(session, {"rules": current})
    summary = result.summary
    assert EVERY_KIND <= set(summary["current"]["findings"]["by_rule"])
    assert summary["current"]["findings"] == summary["draft"]["findings"]
    assert summary["current"]["cases"] == summary["draft"]["cases"]
    assert summary["differences"] == {"findings": {}, "cases_opened": 0, "cases_no_longer_opened": 0,
                                      "cases_changed": 0}
    assert summary["changed"] == {} and summary["rates"] is None
    assert result.detail["opened"] == result.detail["no_longer_opened"] == []


def test_the_replay_finds_what_ingest_found(session: Session) -> None:
    """Per-record findings of the current side equal the anomalies ingest stored for the same data."""
    province_with_every_kind(session)
    stored = dict(session.execute(select(Anomaly.anomaly_type, func.count()).group_by(Anomaly.anomaly_type)).all())
    found = run(session, {})
    by_rule = found.summary["current"]["findings"]["by_rule"]
    for kind, count in stored.items():
        if kind != "missing":  # the stored ones come from ingest only; the scheduler's check never ran here
            assert by_rule[kind] == count, kind


def test_a_shorter_constant_window_finds_the_run_two_hours_earlier(session: Session) -> None:
    province_with_every_kind(session)
    summary = run(session, {"rules": {"constant": {"count": 4}}}).summary
    assert summary["current"]["findings"]["by_rule"]["constant"] == 2
    assert summary["draft"]["findings"]["by_rule"]["constant"] == 4
    assert summary["differences"]["findings"] == {"constant": 2}
    assert summary["differences"]["cases_changed"] == 1  # the same case, starting two hours earlier
    assert summary["changed"] == {"constant": {"count": [6, 4]}}


def test_disabling_exceedance_no_longer_opens_its_cases(session: Session) -> None:
    province_with_every_kind(session)
    result = run(session, {"rules": {"exceedance": {"enabled": False}}})
    summary = result.summary
    assert summary["current"]["findings"]["by_rule"]["exceedance"] == EXCEEDANCE_CASES
    assert "exceedance" not in summary["draft"]["findings"]["by_rule"]
    assert summary["draft"]["cases"]["no_longer_opened"] == EXCEEDANCE_CASES
    assert summary["draft"]["cases"]["opened"] == 0
    assert summary["current"]["cases"]["opened"] == EXCEEDANCE_CASES
    gone = result.detail["no_longer_opened"]
    assert {case["anomaly_type"] for case in gone} == {"exceedance"}
    assert all(case["enterprise"] == ENTERPRISE_TIANHE and case["values"] for case in gone)
    assert summary["current"]["by_city"]["440100"]["exceedance"] == EXCEEDANCE_CASES
    assert summary["current"]["by_industry"]["火力发电"]["exceedance"] == EXCEEDANCE_CASES


def test_a_factor_override_in_the_draft_applies_to_that_factor_only(session: Session) -> None:
    province_with_every_kind(session)
    summary = run(session, {"factors": {AIR_MN: {"a21026": {"constant": {"count": 3}}}}}).summary
    assert summary["draft"]["findings"]["by_rule"]["constant"] == 5  # hours 12 to 16


def test_marking_maintenance_valid_changes_the_validity_rate(session: Session) -> None:
    province_with_every_kind(session)
    summary = run(session, {"rules": {"validity": {"invalid_flags": ["F", "D", "C", "B"]}}}).summary
    rates = summary["rates"]
    assert rates["replayed"] is True
    assert rates["draft"]["validity"] > rates["current"]["validity"]
    assert rates["draft"]["transmission"] == rates["current"]["transmission"]


def test_the_scope_limits_the_points(session: Session) -> None:
    province_with_every_kind(session)
    assert run(session, {}, Scope("county", "440106")).summary["points"] == 2
    assert run(session, {}, Scope("county", "440103")).summary["points"] == 0
    assert run(session, {}, Scope("enterprise", ENTERPRISE_TIANHE)).summary["points"] == 2


def test_nothing_live_is_written(session: Session) -> None:
    province_with_every_kind(session)
    before = (session.scalar(select(func.count()).select_from(Anomaly)),
              session.scalar(select(func.count()).select_from(AnomalyCase)))
    run(session, {"rules": {"zero": {"count": 1}}})
    after = (session.scalar(select(func.count()).select_from(Anomaly)),
             session.scalar(select(func.count()).select_from(AnomalyCase)))
    assert before == after


@pytest.mark.parametrize(("raw", "field"), [
    ({"rules": {"constant": {"count": 1}}}, "rules.constant.count"),
    ({"rules": {"sudden_change": {"ratio": "x"}}}, "rules.sudden_change.ratio"),
    ({"rules": {"nonsense": {}}}, "rules.nonsense"),
    ({"factors": {AIR_MN: {"a21026": {"zero": {"count": 0}}}}}, f"factors.{AIR_MN}.a21026.zero.count"),
    ({"factors": {"NOPE": {}}}, "factors.NOPE"),
    ({"extra": 1}, "draft.extra"),
])
def test_an_invalid_draft_names_the_field_and_writes_nothing(session: Session, raw: dict[str, object],
                                                             field: str) -> None:
    province_with_every_kind(session)
    with pytest.raises(InvalidInput) as caught:
        runs.request(session, ADMIN, raw, PERIOD, Scope("province", "440000"))
    assert field in caught.value.fields
    assert session.scalar(select(func.count()).select_from(ReplayRun)) == 0


def test_a_running_replay_whose_runner_fell_silent_is_claimed_again(session: Session) -> None:
    province_with_every_kind(session)
    run = runs.request(session, ADMIN, {}, PERIOD, Scope("province", "440000"))
    assert runs.claim(session) == run.id and run.status == "running"
    assert runs.claim(session) is None  # running, and its runner reported just now
    run.heartbeat_at = utcnow() - runs.STALE_AFTER - timedelta(seconds=1)
    session.flush()
    assert runs.claim(session) == run.id
