"""The instance document: values JSON has no type for, and documents written before orjson wrote them."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from functools import cache

import pytest

from engine.workflow.bundle import BUNDLED_DIR, read_model_file
from engine.workflow.compiler import CompiledModel, compile_model
from engine.workflow.serialization import SERIALIZER_VERSION, dump_state, load_state
from engine.workflow.validation import check_model


@cache
def anomaly_closure() -> CompiledModel:
    return compile_model(check_model(*read_model_file(BUNDLED_DIR / "anomaly_closure.bpmn")))


def reload(document: str) -> dict[str, object]:
    model = anomaly_closure()
    return dict(load_state(document, SERIALIZER_VERSION, model.spec, model.subprocess_specs).task_tree.data)


def test_datetimes_come_back_as_datetimes_and_sets_as_lists() -> None:
    workflow = anomaly_closure().new_workflow()
    at = datetime(2026, 11, 27, 8, 30, tzinfo=timezone.utc)
    workflow.task_tree.data.update(at=at, codes={"w01018"}, nested={"at": at})

    data = reload(dump_state(workflow))

    assert data == {"at": at, "codes": ["w01018"], "nested": {"at": at}}


def test_a_value_that_cannot_be_stored_is_refused_by_its_type() -> None:
    workflow = anomaly_closure().new_workflow()
    workflow.task_tree.data["bad"] = object()

    with pytest.raises(TypeError, match="object"):
        dump_state(workflow)


def test_a_document_json_wrote_with_nan_still_loads() -> None:
    document = json.loads(dump_state(anomaly_closure().new_workflow()))
    document["tasks"][document["root"]]["data"] = {"measured": float("nan"), "limit": float("inf")}

    data = reload(json.dumps(document))  # the json module writes the non-standard NaN and Infinity

    assert math.isnan(data["measured"]) and data["limit"] == math.inf  # type: ignore[arg-type]
