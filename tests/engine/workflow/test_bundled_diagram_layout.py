"""The bundled models' diagram layout (BPMN DI) is clean: no two shapes overlap, labels clear of shapes and each other.

Lanes and the pool contain shapes by design and are left out; a boundary event sits on its host's border and
may overlap that host only. Flow labels are checked where the DI places them (``bpmndi:BPMNLabel``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import pytest

from engine.workflow.bundle import bundled_model_files

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}


class Box(NamedTuple):
    name: str
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)


def _box(name: str, element: ET.Element) -> Box:
    bounds = element.find("dc:Bounds", NS)
    assert bounds is not None, name
    return Box(name, *(float(bounds.get(key, "0")) for key in ("x", "y", "width", "height")))


def _diagram(path: Path) -> tuple[list[Box], dict[str, str], list[Box], set[str]]:
    """Flow-node shapes, boundary event → host, flow labels, and the ids of every flow node."""
    root = ET.parse(path).getroot()
    containers = {e.get("id") for e in root.iter() if e.tag.endswith(("}lane", "}participant"))}
    hosts = {e.get("id", ""): e.get("attachedToRef", "") for e in root.iter(f"{{{NS['bpmn']}}}boundaryEvent")}
    process = root.find("bpmn:process", NS)
    assert process is not None
    nodes = {e.get("id", "") for e in process if e.get("id") and not e.tag.endswith(
        ("}sequenceFlow", "}laneSet", "}dataObject"))}
    shapes = [_box(s.get("bpmnElement", ""), s) for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")
              if s.get("bpmnElement") not in containers]
    labels = [_box(e.get("bpmnElement", ""), label) for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")
              for label in e.findall("bpmndi:BPMNLabel", NS)]
    return shapes, hosts, labels, nodes


@pytest.mark.parametrize("path", bundled_model_files(), ids=lambda p: p.stem)
def test_no_two_shapes_overlap(path: Path) -> None:
    shapes, hosts, _labels, nodes = _diagram(path)
    assert {s.name for s in shapes} == nodes, "every flow node has exactly one shape"
    overlapping = [(a.name, b.name) for a, b in combinations(shapes, 2) if a.overlaps(b)
                   and hosts.get(a.name) != b.name and hosts.get(b.name) != a.name]
    assert overlapping == []


@pytest.mark.parametrize("path", bundled_model_files(), ids=lambda p: p.stem)
def test_flow_labels_clear_of_shapes_and_each_other(path: Path) -> None:
    shapes, _hosts, labels, _nodes = _diagram(path)
    assert [(label.name, shape.name) for label in labels for shape in shapes if label.overlaps(shape)] == []
    assert [(a.name, b.name) for a, b in combinations(labels, 2) if a.overlaps(b)] == []
