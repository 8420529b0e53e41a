"""The bundled process models are complete diagrams (they open in bpmn-js and Camunda Modeler) with typed settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.actors import role_for_lane
from engine.workflow import configs
from engine.workflow.bundle import bundled_config, bundled_model_files

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "di": DI}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway", "parallelGateway",
              "boundaryEvent", "intermediateCatchEvent")
ISSUE_3 = ("anomaly_closure", "credit_objection", "credit_repair", "tax_review", "emergency_plan_filing",
           "support_ticket")


def test_the_six_processes_are_bundled() -> None:
    assert set(ISSUE_3) <= {path.stem for path in bundled_model_files()}


@pytest.mark.parametrize("path", bundled_model_files(), ids=lambda p: p.stem)
def test_every_element_has_its_place_in_the_diagram(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    (process,) = root.findall("bpmn:process", NS)
    assert process.get("id") == path.stem and process.get("isExecutable") == "true"
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n.get("id") for kind in FLOW_NODES for n in process.iterfind(f"bpmn:{kind}", NS)]
    lanes = list(process.iterfind(".//bpmn:lane", NS))
    assert set(nodes) <= shapes, f"nodes without a shape: {set(nodes) - shapes}"
    assert {lane.get("id") for lane in lanes} <= shapes
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None and len(edge.findall("di:waypoint", NS)) >= 2, flow.get("id")
    in_lanes = [ref.text for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)]
    assert sorted(in_lanes) == sorted(nodes), "every node lies in exactly one lane"
    assert all(role_for_lane(lane.get("name")) is not None for lane in lanes)
    (plane,) = root.iterfind(".//bpmndi:BPMNPlane", NS)
    collaborations = {c.get("id") for c in root.iterfind("bpmn:collaboration", NS)}
    assert plane.get("bpmnElement") in collaborations | {path.stem}
    participants = root.findall(".//bpmn:participant", NS)
    assert all(p.get("id") in shapes and p.get("processRef") == path.stem for p in participants)


@pytest.mark.parametrize("key", ISSUE_3[1:] + ("credit_rating_round",))
def test_shipped_settings_match_their_schema(key: str) -> None:
    schema = configs.bundled_schema(key)
    defaults = bundled_config(key)
    assert schema is not None and defaults is not None
    assert configs._validated(schema, defaults, strict=True) == defaults
    deadlines = {name.removesuffix("_deadline") for name in defaults if name.endswith("_deadline")}
    paired = {name.removesuffix("_workdays") for name in defaults if name.endswith("_workdays")}
    assert paired <= deadlines  # every <step>_workdays has the <step>_deadline the model reads today
