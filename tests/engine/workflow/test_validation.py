"""Deploying models: every unsafe or incomplete model is refused by name; versions live side by side."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine.errors import InvalidModel, NotAllowed
from engine.tasks import actions as tasks
from engine.workflow import deployment as processes
from engine.workflow.models import InstanceStatus, ProcessModel
from tests.support.actors import ADMIN, COUNTY_TIANHE, PROVINCE
from tests.support.flows import (
    PROCESS_KEY,
    advance_to,
    bundled_model,
    ready_task,
    start_anomaly,
)

XML, FORMS = bundled_model()

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>"""
URGE_SCRIPT = "<bpmn:script>urge_count = urge_count + 1</bpmn:script>"
URGED_END = """<bpmn:endEvent id="urged_end" name="已催办">
      <bpmn:incoming>f_urged</bpmn:incoming>
    </bpmn:endEvent>"""


def edited(old: str, new: str) -> str:
    """The bundled model with one piece of text replaced (which must occur in it)."""
    assert old in XML, old
    return XML.replace(old, new)


def form_edited(key: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    forms = copy.deepcopy(FORMS)
    change(forms[key])
    return forms


def _without_options(form: dict[str, Any]) -> None:
    form["fields"][0].pop("options")


def _duplicate_field(form: dict[str, Any]) -> None:
    form["fields"].append(copy.deepcopy(form["fields"][1]))


def _service_task() -> str:
    xml = edited('<bpmn:scriptTask id="mark_urged" name="催办">', '<bpmn:serviceTask id="mark_urged" name="催办">')
    return xml.replace(f"{URGE_SCRIPT}\n    </bpmn:scriptTask>", f"{URGE_SCRIPT}\n    </bpmn:serviceTask>")


BAD_MODELS: dict[str, tuple[Callable[[], tuple[str, dict[str, Any]]], list[str]]] = {
    "not xml": (lambda: ("<bpmn:definitions", FORMS), ["not well-formed XML"]),
    "too large": (lambda: (XML + "<!--" + "x" * 2 * 1024 * 1024 + "-->", FORMS), ["larger than 2048 KiB"]),
    "not bpmn": (lambda: ("<definitions/>", FORMS), ["not a BPMN 2.0 model"]),
    "billion laughs": (lambda: (BILLION_LAUGHS, FORMS), ["DTD or entities", "refused"]),
    "external entity": (lambda: (XXE, FORMS), ["DTD or entities", "refused"]),
    "unknown lane": (lambda: (edited('name="省级审核"', 'name="财务科"'), FORMS),
                     ["Lane_province_reviewer", "财务科", "no known role"]),
    "user task in no lane": (lambda: (edited("<bpmn:flowNodeRef>explain</bpmn:flowNodeRef>", ""), FORMS),
                             ["'explain'", "no lane"]),
    "no formKey": (lambda: (edited('<spiffworkflow:property name="formKey" value="city_review" />', ""), FORMS),
                   ["'city_review'", "no formKey"]),
    "missing form": (lambda: (XML, {k: v for k, v in FORMS.items() if k != "county_review"}),
                     ["'county_review'", "not supplied"]),
    "enum without options": (lambda: (XML, form_edited("county_review", _without_options)),
                             ["'county_review'", "enum field 'decision' needs options"]),
    "duplicate field": (lambda: (XML, form_edited("county_review", _duplicate_field)),
                        ["'county_review'", "['opinion'] twice"]),
    "form key mismatch": (lambda: (XML, form_edited("city_review", lambda f: f.update(key="other"))),
                          ["'city_review'", "'other'"]),
    "import in script": (lambda: (edited(URGE_SCRIPT, "<bpmn:script>import os</bpmn:script>"), FORMS),
                         ["'mark_urged'", "line 1", "name = expression"]),
    "__import__ in script": (
        lambda: (edited(URGE_SCRIPT, "<bpmn:script>__import__('os').system('x')</bpmn:script>"), FORMS),
        ["'mark_urged'", "name = expression"]),
    "unsafe value in script": (
        lambda: (edited(URGE_SCRIPT, "<bpmn:script>urge_count = open('/etc/passwd')</bpmn:script>"), FORMS),
        ["'mark_urged'", "calls something other than"]),
    "attribute in condition": (lambda: (edited('decision == "refer"', "().__class__"), FORMS),
                               ["'f_county_refer'", "Attribute"]),
    "attribute in due property": (lambda: (edited("""value='workdays(config("explain_workdays"))'""",
                                                  'value="x.__class__"'), FORMS),
                                  ["'explain'", "Attribute"]),
    "service task": (lambda: (_service_task(), FORMS), ["serviceTask 'mark_urged'", "not supported"]),
    "call activity": (lambda: (edited(URGED_END, '<bpmn:callActivity id="call_other" calledElement="other" />'), FORMS),
                      ["callActivity 'call_other'", "not supported"]),
    "two executable processes": (
        lambda: (edited("</bpmn:process>", '</bpmn:process>\n  <bpmn:process id="second" isExecutable="true" />'), FORMS),
        ["exactly one executable process", "found 2"]),
}


@pytest.mark.parametrize(("build", "phrases"), BAD_MODELS.values(), ids=BAD_MODELS.keys())
def test_bad_model_is_refused_by_name(
    session: Session, build: Callable[[], tuple[str, dict[str, Any]]], phrases: list[str]
) -> None:
    xml, forms = build()
    with pytest.raises(InvalidModel) as caught:
        processes.deploy(session, ADMIN, xml.encode("utf-8"), forms)
    for phrase in phrases:
        assert phrase in caught.value.message
    assert processes.list_models(session, PROCESS_KEY) == []


def test_non_admin_may_not_deploy(session: Session) -> None:
    with pytest.raises(NotAllowed):
        processes.deploy(session, PROVINCE, XML.encode("utf-8"), FORMS)
    assert processes.list_models(session, PROCESS_KEY) == []


def test_identical_content_deploys_once(session: Session) -> None:
    first = processes.deploy(session, ADMIN, XML.encode("utf-8"), FORMS)
    again = processes.deploy(session, ADMIN, XML.encode("utf-8"), copy.deepcopy(FORMS))
    assert again.id == first.id
    assert [m.version for m in processes.list_models(session, PROCESS_KEY)] == [1]


def test_changed_model_becomes_version_two_and_version_one_remains(session: Session) -> None:
    first = processes.deploy(session, ADMIN, XML.encode("utf-8"), FORMS)
    second = processes.deploy(session, ADMIN, edited('name="区县初审"', 'name="区县初审(新)"').encode("utf-8"), FORMS)
    assert (first.version, second.version) == (1, 2)
    assert second.sha256 != first.sha256
    assert [(m.version, m.is_active) for m in processes.list_models(session, PROCESS_KEY)] == [(2, True), (1, False)]
    assert processes.active_model(session, PROCESS_KEY).id == second.id


def test_changed_form_alone_is_a_new_version(session: Session) -> None:
    processes.deploy(session, ADMIN, XML.encode("utf-8"), FORMS)
    forms = form_edited("county_review", lambda f: f["fields"][1].update(max_length=1000))
    assert processes.deploy(session, ADMIN, XML.encode("utf-8"), forms).version == 2


def test_running_instance_stays_on_its_version(session: Session) -> None:
    processes.deploy(session, ADMIN, XML.encode("utf-8"), FORMS)
    old = start_anomaly(session, business_key="old", anomaly_type="offline")  # county accept closes it
    processes.deploy(session, ADMIN, edited('name="区县初审"', 'name="区县初审(新)"').encode("utf-8"), FORMS)
    new = start_anomaly(session, business_key="new", anomaly_type="offline")
    assert (old.model_version, new.model_version) == (1, 2)
    old_review, new_review = advance_to(session, old, "county_review"), advance_to(session, new, "county_review")
    assert (old_review.title, new_review.title) == ("区县初审", "区县初审(新)")
    tasks.complete(session, COUNTY_TIANHE, old_review.id, {"decision": "accept"})
    session.refresh(old)
    assert old.status == InstanceStatus.COMPLETED
    assert session.get(ProcessModel, old.model_id).version == 1  # type: ignore[union-attr]
    assert ready_task(session, new.id).id == new_review.id
