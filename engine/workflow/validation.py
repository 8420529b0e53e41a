"""Deploy-time checks of an uploaded BPMN model: safe XML, known lanes, safe expressions, declared forms.

Markup outside BPMN, BPMN DI and our SpiffWorkflow extensions (XInclude, XHTML, …)
is refused, and so are expressions, scripts, timers, cardinalities and loop maxima
that break :class:`~engine.workflow.limits.ModelLimits` (``engine/workflow/model_bounds.py``).

Every check raises :class:`~engine.errors.InvalidModel` with a message that
names the element at fault, so an admin can fix the model in the modeler.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from lxml import etree

from engine.actors import role_for_lane
from engine.errors import InvalidModel
from engine.workflow.expressions import check_expression, check_script
from engine.workflow.forms import FormDefinition, parse_form_definition
from engine.workflow.limits import ModelLimits, current
from engine.workflow.model_bounds import check_bounds, check_markup

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAX_MODEL_BYTES = 2 * 1024 * 1024

EXPRESSION_TAGS = frozenset(
    {"conditionExpression", "timeDuration", "timeDate", "timeCycle", "formalExpression",
     "loopCardinality", "completionCondition", "loopCondition", "condition"}
)
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
FORMAL_EXPRESSION_TYPES = frozenset({"tFormalExpression", "tExpression"})
SCRIPT_TAGS = frozenset({"script", "preScript", "postScript"})
REFUSED_TAGS: Mapping[str, str] = {
    "serviceTask": "service tasks call external code and are not supported",
    "businessRuleTask": "DMN decisions evaluate Python and are not supported in uploaded models",
    "callActivity": "call activities are not supported; model the steps in this process",
    "sendTask": "send tasks are not supported",
    "receiveTask": "receive tasks are not supported",
}
HUMAN_TASK_TAGS = frozenset({"userTask", "manualTask"})
EXPRESSION_PROPERTIES = frozenset({"due", "assignee", "region"})


@dataclass(frozen=True)
class CheckedModel:
    """What deployment learns from a model that passed every check."""

    process_id: str
    name: str
    root: Any  # lxml element, handed to the SpiffWorkflow parser
    forms: Mapping[str, FormDefinition]


def check_model(xml: bytes, forms: Mapping[str, Any], limits: ModelLimits | None = None) -> CheckedModel:
    """Run every deploy-time check on a BPMN document and the form documents it may reference.

    :param forms: form key → form definition document (parsed JSON).
    :param limits: the bounds to check against (the configured ones by default).
    :raises InvalidModel: naming the first problem.
    """
    root = parse_safe_xml(xml)
    process = _single_executable_process(root)
    check_markup(root)
    _check_refused_elements(root)
    _check_expressions(root)
    check_bounds(root, limits or current())
    lanes = _check_lanes(process)
    parsed_forms = _check_human_tasks(process, lanes, forms)
    return CheckedModel(process.get("id"), process.get("name") or process.get("id"), root, parsed_forms)


def parse_safe_xml(xml: bytes) -> Any:
    """Parse XML refusing DTDs, entities and external references (XXE, billion laughs)."""
    if len(xml) > MAX_MODEL_BYTES:
        raise InvalidModel(f"the model is larger than {MAX_MODEL_BYTES // 1024} KiB")
    try:
        DefusedET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidModel(f"the model declares a DTD or entities, which are refused: {type(exc).__name__}") from None
    except DefusedET.ParseError as exc:
        raise InvalidModel(f"the model is not well-formed XML: {exc}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidModel(f"the model is not well-formed XML: {exc}") from None


def _local(element: Any) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _bpmn(element: Any, name: str) -> list[Any]:
    return element.findall(f".//{{{BPMN_NS}}}{name}")


def _single_executable_process(root: Any) -> Any:
    if _local(root) != "definitions" or etree.QName(root).namespace != BPMN_NS:
        raise InvalidModel("the document is not a BPMN 2.0 model (no bpmn:definitions root)")
    processes = [p for p in root.findall(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]
    if len(processes) != 1:
        raise InvalidModel(f"a model must hold exactly one executable process, found {len(processes)}")
    return processes[0]


def _check_refused_elements(root: Any) -> None:
    for element in root.iter():
        reason = REFUSED_TAGS.get(_local(element))
        if reason:
            raise InvalidModel(f"{_local(element)} {element.get('id')!r}: {reason}")


def _check_expressions(root: Any) -> None:
    for element, text in _expressions(root):
        try:
            if _local(element) in SCRIPT_TAGS:
                check_script(text)
            else:
                check_expression(text)
        except InvalidModel as exc:
            owner = _owner_id(element)
            raise InvalidModel(f"element {owner!r}: {exc.message}") from None


def _expressions(root: Any) -> Iterator[tuple[Any, str]]:
    for element in root.iter():
        name = _local(element)
        if name in EXPRESSION_TAGS or name in SCRIPT_TAGS or _typed_expression(element):
            if element.text and element.text.strip():
                yield element, element.text
        elif name == "property" and element.get("name") in EXPRESSION_PROPERTIES:
            yield element, element.get("value") or ""


def _typed_expression(element: Any) -> bool:
    """An element declared ``xsi:type="bpmn:tFormalExpression"`` (assignments, transformations, …)."""
    declared = element.get(f"{{{XSI_NS}}}type") if isinstance(element.tag, str) else None
    return isinstance(declared, str) and declared.rpartition(":")[2] in FORMAL_EXPRESSION_TYPES


def _owner_id(element: Any) -> str:
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return element.get("id") if element is not None else "?"


def _check_lanes(process: Any) -> dict[str, str]:
    """Map each flow node id to its lane name; every lane must name a known role."""
    membership: dict[str, str] = {}
    for lane in _bpmn(process, "lane"):
        name = (lane.get("name") or "").strip()
        if role_for_lane(name) is None:
            raise InvalidModel(f"lane {lane.get('id')!r} named {name!r} maps to no known role")
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            membership[(ref.text or "").strip()] = name
    return membership


def _check_human_tasks(process: Any, lanes: dict[str, str], forms: Mapping[str, Any]) -> dict[str, FormDefinition]:
    parsed: dict[str, FormDefinition] = {}
    for element in process.iter():
        if _local(element) not in HUMAN_TASK_TAGS:
            continue
        task_id = element.get("id")
        if task_id not in lanes:
            raise InvalidModel(f"user task {task_id!r} lies in no lane, so no role may work it")
        form_key = _property(element, "formKey")
        if not form_key:
            raise InvalidModel(f"user task {task_id!r} declares no formKey property")
        if form_key not in forms:
            raise InvalidModel(f"user task {task_id!r} references form {form_key!r}, which was not supplied")
        parsed[form_key] = parse_form_definition(forms[form_key])
        if parsed[form_key].key != form_key:
            raise InvalidModel(f"form file {form_key!r} declares the key {parsed[form_key].key!r}")
    return parsed


def _property(element: Any, name: str) -> str | None:
    for prop in element.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None
