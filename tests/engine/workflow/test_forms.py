"""Form definitions: submitted data is checked field by field, with Chinese messages keyed by field name."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from engine.errors import InvalidForm, InvalidModel
from engine.workflow.forms import FormDefinition, parse_form_definition


def _field(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "label": {"zh": name, "en": name}, **extra}


def definition(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"key": "probe", "title": {"zh": "探针"}, "fields": list(fields), **extra}


SAMPLE = {
    "key": "sample",
    "title": {"zh": "样例表单", "en": "Sample"},
    "outcome_field": "decision",
    "opinion_field": "opinion",
    "fields": [
        _field("decision", "enum", required=True, options=[
            {"value": "accept", "label": {"zh": "通过"}}, {"value": "return", "label": {"zh": "退回"}}]),
        _field("opinion", "text", max_length=10, required_if={"field": "decision", "in": ["return"]}),
        _field("title", "string"),
        _field("count", "integer", minimum=0, maximum=10),
        _field("ratio", "number", minimum=0.5, maximum=1.5),
        _field("day", "date"),
        _field("confirmed", "boolean"),
        _field("files", "attachments"),
    ],
}
FORM = parse_form_definition(SAMPLE)


def errors_of(form: FormDefinition, data: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidForm) as caught:
        form.validate(data)
    assert caught.value.details["fields"] == caught.value.fields
    return caught.value.fields


def test_valid_data_is_cleaned() -> None:
    data = {"decision": "return", "opinion": "补充监测报告", "title": "COD", "count": "3", "ratio": 1.5,
            "day": "2024-02-29", "confirmed": True, "files": [4, 2]}
    assert FORM.validate(data) == {**data, "count": 3, "day": datetime.date(2024, 2, 29)}


def test_optional_fields_may_be_left_out_or_null() -> None:
    assert FORM.validate({"decision": "accept", "opinion": None}) == {"decision": "accept", "opinion": None}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "decision", "此项为必填项"),
        ({"decision": None}, "decision", "此项不能为空"),
        ({"decision": "maybe"}, "decision", "须为以下之一: accept, return"),
        ({"decision": "return"}, "opinion", "此项为必填项"),
        ({"decision": "return", "opinion": ""}, "opinion", "此项为必填项"),
        ({"decision": "accept", "opinion": "十一个字十一个字十一个"}, "opinion", "不能超过 10 个字符"),
        ({"decision": "accept", "title": "x" * 201}, "title", "不能超过 200 个字符"),
        ({"decision": "accept", "count": 11}, "count", "超出允许范围"),
        ({"decision": "accept", "count": -1}, "count", "超出允许范围"),
        ({"decision": "accept", "count": "three"}, "count", "格式不正确"),
        ({"decision": "accept", "ratio": 0.49}, "ratio", "超出允许范围"),
        ({"decision": "accept", "ratio": 2}, "ratio", "超出允许范围"),
        ({"decision": "accept", "day": "2024-13-01"}, "day", "格式不正确"),
        ({"decision": "accept", "day": "2023-02-29"}, "day", "格式不正确"),
        ({"decision": "accept", "confirmed": "maybe"}, "confirmed", "格式不正确"),
        ({"decision": "accept", "files": "1"}, "files", "格式不正确"),
        ({"decision": "accept", "files": ["1"]}, "files", "格式不正确"),
        ({"decision": "accept", "files": [1.0]}, "files", "格式不正确"),
        ({"decision": "accept", "files": [True]}, "files", "格式不正确"),
        ({"decision": "accept", "files": [{"id": 1}]}, "files", "格式不正确"),
        ({"decision": "accept", "extra": "x"}, "extra", "表单中没有此字段"),
    ],
)
def test_invalid_field_is_named_with_a_chinese_message(data: dict[str, Any], field: str, message: str) -> None:
    fields = errors_of(FORM, data)
    assert list(fields) == [field]
    assert any(message in text for text in fields[field]), fields


def test_every_bad_field_is_reported_at_once() -> None:
    fields = errors_of(FORM, {"count": 99, "day": "tomorrow", "unknown": 1})
    assert set(fields) == {"decision", "count", "day", "unknown"}


def test_integer_field_refuses_a_fraction_instead_of_truncating_it() -> None:
    assert "count" in errors_of(FORM, {"decision": "accept", "count": 1.5})


def test_required_if_applies_only_to_the_listed_values() -> None:
    assert FORM.validate({"decision": "accept"}) == {"decision": "accept"}


def test_required_attachments_need_at_least_one() -> None:
    form = parse_form_definition(definition(_field("evidence", "attachments", required=True)))
    assert errors_of(form, {"evidence": None}) == {"evidence": ["此项不能为空"]}
    assert "evidence" in errors_of(form, {})
    assert form.validate({"evidence": [7]}) == {"evidence": [7]}


@pytest.mark.parametrize("data", [None, [], ["decision"], "decision=accept", 1])
def test_non_object_data_is_refused(data: Any) -> None:
    with pytest.raises(InvalidForm, match="表单数据必须是对象") as caught:
        FORM.validate(data)
    assert caught.value.fields == {}


def test_message_names_the_form() -> None:
    with pytest.raises(InvalidForm, match="表单 sample 填写有误"):
        FORM.validate({})


def test_definition_fields_and_special_fields() -> None:
    assert (FORM.key, FORM.outcome_field, FORM.opinion_field) == ("sample", "decision", "opinion")
    assert FORM.field("count") is not None and FORM.field("count")["maximum"] == 10  # type: ignore[index]
    assert FORM.field("missing") is None


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        (definition(_field("pick", "enum")), "enum field 'pick' needs options"),
        (definition(_field("a", "text"), _field("a", "string")), "['a'] twice"),
        (definition(_field("a", "color")), "'type'"),
        (definition(_field("Bad-Name", "text")), "'name'"),
        (definition(_field("a", "text"), outcome_field="verdict"), "outcome_field 'verdict'"),
        (definition(_field("a", "text", required_if={"field": "ghost", "in": [1]})), "unknown field"),
        ({"key": "probe", "fields": []}, "'title'"),
        (["not", "an", "object"], "is invalid"),
    ],
)
def test_invalid_definition_is_refused(document: Any, phrase: str) -> None:
    with pytest.raises(InvalidModel) as caught:
        parse_form_definition(document)
    assert phrase in caught.value.message
