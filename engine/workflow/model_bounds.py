"""Deploy-time refusals of markup we do not execute and of values beyond :class:`ModelLimits`.

:func:`check_markup` admits only the namespaces of BPMN, BPMN DI (DI, DC) and the
SpiffWorkflow extensions our bundled models use; XInclude, XHTML and every other
vocabulary is refused by element or attribute name. :func:`check_bounds` computes
what the model fixes in its text (constant timers, cardinalities, script lines)
and refuses values the runtime would refuse too (``engine/workflow/script_engine.py``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lxml import etree

from engine.workflow.expressions import UnsafeExpression
from engine.workflow.limits import ModelLimits
from engine.workflow.static_bounds import Unknown, check_script_bounds, constant_value
from engine.workflow.timer_values import TIMER_KINDS, TimerRefused, check_timer
from engine.errors import InvalidModel

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ALLOWED_NAMESPACES = frozenset({
    BPMN_NS,
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://spiffworkflow.org/bpmn/schema/1.0/core",
})
ATTRIBUTE_NAMESPACES = ALLOWED_NAMESPACES | {"http://www.w3.org/2001/XMLSchema-instance"}
MODELER_METADATA = frozenset({
    ("definitions", "http://camunda.org/schema/modeler/1.0", "executionPlatform"),
    ("definitions", "http://camunda.org/schema/modeler/1.0", "executionPlatformVersion"),
    ("process", "http://camunda.org/schema/1.0/bpmn", "versionTag"),
})
"""Labels Camunda Modeler writes about the file (the tool that saved it, the author's version tag): nothing reads
them to run the model, so each is admitted on its element only, and models saved in that modeler deploy. Camunda
attributes that would change what runs (``formKey``, ``collection``, ``decisionRef``) stay refused."""
XINCLUDE_NAMESPACES = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
SCRIPT_TAGS = frozenset({"script", "preScript", "postScript"})


def _owner(element: Any) -> str:
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return repr(element.get("id")) if element is not None else "(document)"


def check_markup(root: Any) -> None:
    """:raises InvalidModel: naming the first element or attribute outside the admitted namespaces."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            if isinstance(element, etree._ProcessingInstruction):
                raise InvalidModel(f"processing instruction <?{element.target}?> in {_owner(element)} is refused")
            continue  # comments
        qname = etree.QName(element)
        if qname.namespace in XINCLUDE_NAMESPACES:
            raise InvalidModel(f"XInclude element xi:{qname.localname} in {_owner(element)} is refused; "
                               "a model must be one self-contained document")
        if qname.namespace not in ALLOWED_NAMESPACES:
            raise InvalidModel(f"element {qname.localname!r} of namespace {qname.namespace or '(none)'!r} in "
                               f"{_owner(element)} is refused: only BPMN, BPMN DI and spiffworkflow markup is run")
        for name in element.attrib:
            attribute = etree.QName(name)
            if (qname.localname, attribute.namespace, attribute.localname) in MODELER_METADATA:
                continue
            if attribute.namespace is not None and attribute.namespace not in ATTRIBUTE_NAMESPACES:
                raise InvalidModel(f"attribute {attribute.localname!r} of namespace {attribute.namespace!r} on "
                                   f"{qname.localname} {_owner(element)} is refused")


def check_bounds(root: Any, limits: ModelLimits, now: datetime | None = None) -> None:
    """:raises InvalidModel: naming the element (and attribute) whose fixed value breaks a limit."""
    now = now or datetime.now(timezone.utc)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        text = (element.text or "").strip()
        try:
            if name in SCRIPT_TAGS and text:
                check_script_bounds(text)
            elif name in TIMER_KINDS and text:
                _check_timer_element(name, text, limits, now)
            elif name == "loopCardinality" and text:
                check_cardinality(constant_value(text), limits)
            elif name == "standardLoopCharacteristics":
                _check_loop_maximum(element, limits)
            elif text and name in ("conditionExpression", "completionCondition", "loopCondition", "condition"):
                constant_value(text)
        except (UnsafeExpression, TimerRefused, CardinalityRefused) as exc:
            raise InvalidModel(f"{name} of {_owner(element)}: {exc}") from None


def _check_timer_element(kind: str, text: str, limits: ModelLimits, now: datetime) -> None:
    value = constant_value(text)
    if not isinstance(value, Unknown):
        check_timer(kind, value, limits, now)


class CardinalityRefused(ValueError):
    """A multi-instance cardinality or loop maximum beyond the limit."""


def check_cardinality(value: Any, limits: ModelLimits) -> None:
    """:raises CardinalityRefused: unless ``value`` is unknown yet or a whole number from 0 to the limit."""
    if isinstance(value, Unknown):
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CardinalityRefused(f"the cardinality must be a whole number from 0 to {limits.max_cardinality}")
    if value > limits.max_cardinality:
        raise CardinalityRefused(f"cardinality {value} is above the limit of {limits.max_cardinality}")


def _check_loop_maximum(element: Any, limits: ModelLimits) -> None:
    text = (element.get("loopMaximum") or "").strip()
    if not text:
        raise CardinalityRefused(f"attribute loopMaximum is required (at most {limits.max_cardinality})")
    if not text.isdigit() or int(text) > limits.max_cardinality:
        raise CardinalityRefused(f"attribute loopMaximum={text[:20]!r} must be a whole number "
                                 f"from 0 to {limits.max_cardinality}")
