"""Configuration as data: typed schema, versions and differences, changes reaching only later tasks, admin pages."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.calendar.workdays import SHANGHAI
from engine.errors import InvalidForm, InvalidInput, NotAllowed
from engine.tasks import actions as tasks
from engine.workflow import configs, runtime
from engine.workflow.bundle import bundled_config
from engine.workflow.models import ProcessInstance
from tests.support.actors import ADMIN, ENT_TIANHE, PROVINCE
from tests.support.admin_app import admin_app  # noqa: F401  (a light web app per backend)
from tests.support.flows import EXPLANATION, ready_task, start_anomaly
from tests.web.conftest import login

KEY = "anomaly_closure"
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def shanghai(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=SHANGHAI)


def test_shipped_defaults_satisfy_the_schema() -> None:
    schema = configs.bundled_schema(KEY)
    defaults = bundled_config(KEY)
    assert schema is not None and defaults is not None
    assert set(schema) == set(defaults)
    assert configs._validated(schema, defaults, strict=True) == defaults
    for read_elsewhere in ("max_return_rounds", "city_review_types", "province_review_key_units"):
        assert read_elsewhere in defaults  # keys other modules read keep working
    assert not {"explain_deadline", "review_deadline"} & set(schema)  # the calendar durations of an older design


def test_a_change_is_a_validated_new_version(session: Session) -> None:
    first = configs.change(session, ADMIN, KEY, {"explain_workdays": 7})
    second = configs.change(session, ADMIN, KEY, {"max_return_rounds": 3, "city_review_types": ["exceedance"]})
    assert (first.version, second.version) == (1, 2)
    assert configs.current_values(session, KEY) == {**bundled_config(KEY), "explain_workdays": 7,
                                                    "max_return_rounds": 3, "city_review_types": ["exceedance"]}
    assert configs.current_version(session, KEY) == 2 and configs.values_at(session, KEY, 1)["max_return_rounds"] == 2
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "config.change")
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.payload["changed"] == ["city_review_types", "max_return_rounds"]
    history = configs.versions(session, KEY)
    assert [v.version for v in history] == [2, 1, 0]
    assert configs.diff(history[2].values, history[0].values) == [
        ("city_review_types", ["exceedance", "repeated"], ["exceedance"]), ("explain_workdays", 5, 7),
        ("max_return_rounds", 2, 3)]


@pytest.mark.parametrize(("values", "field", "phrase"), [
    ({"explain_workdays": 0}, "explain_workdays", "超出允许范围"),
    ({"explain_workdays": "5"}, "explain_workdays", "integer"),
    ({"province_review_key_units": "yes"}, "province_review_key_units", "boolean"),
    ({"city_review_types": ["exceedance", "bogus"]}, "city_review_types", "须为以下之一"),
    ({"colour": "red"}, "colour", "unknown key"),
], ids=["below minimum", "text for a number", "text for a boolean", "unknown choice", "unknown key"])
def test_a_bad_value_is_refused_naming_the_key(session: Session, values: dict[str, object], field: str,
                                               phrase: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        configs.change(session, ADMIN, KEY, values)
    assert phrase in " ".join(map(str, caught.value.fields[field]))
    assert configs.current_version(session, KEY) == 0


def test_a_bad_duration_is_refused_naming_the_key(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        configs.change(session, ADMIN, "tax_review", {"review_deadline": "5 days"})
    assert "ISO 8601" in " ".join(map(str, caught.value.fields["review_deadline"]))
    assert configs.current_version(session, "tax_review") == 0


def test_only_admins_change_configuration(session: Session) -> None:
    with pytest.raises(NotAllowed):
        configs.change(session, PROVINCE, KEY, {"explain_workdays": 3})


def test_form_values_are_converted_by_type(session: Session) -> None:
    form = {"explain_workdays": ["8"], "review_workdays": ["3"], "remind_workdays_before": ["2"],
            "max_return_rounds": ["1"], "city_review_types": ["repeated"],
            "evidence_required_reasons": ["shutdown", "other"]}  # checkbox left off
    config = configs.change_from_form(session, ADMIN, KEY, form)
    assert config.values["explain_workdays"] == 8 and config.values["province_review_key_units"] is False
    assert config.values["evidence_required_reasons"] == ["shutdown", "other"]
    with pytest.raises(InvalidInput) as caught:
        configs.change_from_form(session, ADMIN, KEY, {**form, "review_workdays": ["three"]})
    assert list(caught.value.fields) == ["review_workdays"]


@pytest.mark.usefixtures("deployed")
def test_a_change_reaches_tasks_created_after_it(session: Session) -> None:
    with time_machine.travel(MONDAY, tick=False):
        before = start_anomaly(session, business_key="before")
        configs.change(session, ADMIN, KEY, {"explain_workdays": 3, "review_workdays": 2})
        after = start_anomaly(session, business_key="after")
        old_explain, new_explain = ready_task(session, before.id), ready_task(session, after.id)
        assert (old_explain.due_at, old_explain.config_version) == (shanghai(11, 9), 0)  # five working days
        assert (new_explain.due_at, new_explain.config_version) == (shanghai(11, 5), 1)  # three
        tasks.complete(session, ENT_TIANHE, old_explain.id, EXPLANATION)
    county = ready_task(session, before.id)  # created after the change, in an instance started before it
    assert (county.due_at, county.config_version) == (shanghai(11, 4), 1)
    assert start_data(session, before)["config_version"] == 0
    assert start_data(session, after)["config_version"] == 1


def start_data(session: Session, instance: ProcessInstance) -> dict[str, object]:
    return dict(runtime.load(session, instance).workflow.task_tree.data)


@pytest.mark.usefixtures("deployed")
def test_evidence_rules_come_from_the_configuration_the_task_was_created_under(session: Session) -> None:
    earlier = ready_task(session, start_anomaly(session, business_key="earlier").id)
    configs.change(session, ADMIN, KEY, {"evidence_required_reasons": ["other"]})
    later = ready_task(session, start_anomaly(session, business_key="later").id)
    maintenance = {"reason": "maintenance", "description": "年度检修"}
    with pytest.raises(InvalidForm) as caught:
        tasks.complete(session, ENT_TIANHE, earlier.id, maintenance)
    assert list(caught.value.fields) == ["evidence"]
    with pytest.raises(InvalidForm):
        tasks.complete(session, ENT_TIANHE, later.id, EXPLANATION)  # reason "other" needs evidence now
    tasks.complete(session, ENT_TIANHE, later.id, maintenance)  # and maintenance no longer does
    assert ready_task(session, later.instance_id).spec_name == "county_review"


# --- the admin pages ------------------------------------------------------------------------------

def test_admin_edits_and_compares_versions(admin_app: Flask) -> None:  # noqa: F811
    admin = login(admin_app, "admin")
    page = admin.get(f"/admin/config/{KEY}")
    assert page.status_code == 200 and "企业说明期限（工作日）" in page.get_data(as_text=True)
    form = {"explain_workdays": "6", "review_workdays": "5", "remind_workdays_before": "1", "max_return_rounds": "2",
            "city_review_types": ["exceedance", "repeated"], "province_review_key_units": "true",
            "evidence_required_reasons": ["shutdown"]}
    bad = admin.post(f"/admin/config/{KEY}", {**form, "explain_workdays": "0"})
    assert bad.status_code == 422 and "超出允许范围" in bad.get_data(as_text=True)
    saved = admin.post(f"/admin/config/{KEY}", form)
    assert saved.status_code == 302
    shown = admin.get(saved.headers["Location"]).get_data(as_text=True)
    version = int(re.search(r"当前第 (\d+) 版", shown).group(1))  # type: ignore[union-attr]
    diff = admin.get(f"/admin/config/{KEY}", query_string={"a": version - 1, "b": version}).get_data(as_text=True)
    rows = re.findall(r'<tr data-key="(\w+)">', diff.split('id="config-diff"')[1])
    assert rows == ["evidence_required_reasons", "explain_workdays"]
    assert admin.get("/admin/config").status_code == 200


def test_config_pages_are_for_admins_only(admin_app: Flask) -> None:  # noqa: F811
    county = login(admin_app, "county-440106")
    assert county.get(f"/admin/config/{KEY}").status_code == 403
    assert county.post(f"/admin/config/{KEY}", {"explain_workdays": "1"}).status_code == 403
    assert login(admin_app, "admin").get("/admin/config/no_such_process").status_code == 404
