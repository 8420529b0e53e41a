"""Each library's field checks: CAS check digits, UN numbers, document numbers, dates, required fields."""

from __future__ import annotations

from datetime import date

import pytest

from engine.emergency.library import kinds
from engine.emergency.library.identifiers import cas_check_digit, normal_document_number, valid_cas
from engine.errors import InvalidInput

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("cas", ["7782-50-5", "7664-41-7", "108-95-2", "71-43-2", "67-56-1", "10102-44-0"])
def test_real_cas_numbers_pass(cas: str) -> None:
    assert valid_cas(cas)


@pytest.mark.parametrize("cas", ["7782-50-4", "108-95-3", "7782505", "7782-5-5", "abc-de-f", ""])
def test_wrong_check_digit_or_shape_fails(cas: str) -> None:
    assert not valid_cas(cas)


def test_check_digit_rule() -> None:
    # 7732-18-5 (water): 8×1 + 1×2 + 2×3 + 3×4 + 7×5 + 7×6 = 105 → 5
    assert cas_check_digit("773218") == 5


def test_chemical_record_is_typed_and_normalised() -> None:
    fields = kinds.clean(kinds.CHEMICAL, {"name_zh": "氯", "aliases": "氯气;液氯", "cas": "7782-50-5",
                                          "un_number": "UN1017", "critical_quantity_t": "5"}, today=TODAY)
    assert fields == {"name_zh": "氯", "aliases": ["氯气", "液氯"], "cas": "7782-50-5", "un_number": "1017",
                      "critical_quantity_t": 5.0}


def test_chemical_errors_name_each_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.CHEMICAL, {"cas": "7782-50-4", "un_number": "17", "critical_quantity_t": "-1",
                                     "colour": "green"}, today=TODAY)
    assert set(caught.value.fields) == {"name_zh", "cas", "un_number", "critical_quantity_t", "_schema"}


@pytest.mark.parametrize("number", ["环发〔2015〕4号", "环发[2015]4号", "环境保护部令第34号", "HJ 941-2018",
                                    "国办函〔2014〕119号", "GB 18218-2018"])
def test_document_numbers_accepted(number: str) -> None:
    fields = kinds.clean(kinds.POLICY, {"title": "t", "issuer": "i", "document_number": number, "level": "national"},
                         today=TODAY)
    assert fields["document_number"] == normal_document_number(number)
    assert "[" not in fields["document_number"]


@pytest.mark.parametrize("number", ["环发2015第4号", "环发〔2099〕4号", "4号", "HJ941"])
def test_bad_document_numbers_refused(number: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.POLICY, {"title": "t", "issuer": "i", "document_number": number, "level": "national"},
                    today=TODAY)
    assert "document_number" in caught.value.fields


def test_policy_dates_checked_and_ordered() -> None:
    base = {"title": "t", "issuer": "i", "document_number": "环发〔2015〕4号", "level": "national"}
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.POLICY, {**base, "issued_on": "2015-13-01"}, today=TODAY)
    assert "issued_on" in caught.value.fields
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.POLICY, {**base, "issued_on": "2015-06-01", "effective_on": "2015-01-01"}, today=TODAY)
    assert "effective_on" in caught.value.fields


def test_case_region_and_enum() -> None:
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.CASE, {"event": "e", "occurred_on": "2020-01-01", "region_code": "449999",
                                 "event_type": "fire"}, today=TODAY)
    assert set(caught.value.fields) == {"region_code", "event_type"}


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_critical_quantity_is_a_finite_non_negative_number(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.CHEMICAL, {"name_zh": "x", "critical_quantity_t": value}, today=TODAY)
    assert "critical_quantity_t" in caught.value.fields


def test_control_characters_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        kinds.clean(kinds.CHEMICAL, {"name_zh": "氯\x00"}, today=TODAY)
    assert "name_zh" in caught.value.fields
