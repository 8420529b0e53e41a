from __future__ import annotations

from engine.monitoring.codes import (
    CODES_2005_TO_2017,
    COMMAND_CODES,
    DATA_COMMANDS,
    DATA_FLAGS,
    EXCLUDED_DATA_FLAGS,
    FACTORS,
)


def test_every_2005_code_maps_to_a_known_2017_code() -> None:
    assert set(CODES_2005_TO_2017.values()) <= set(FACTORS)
    assert len(set(CODES_2005_TO_2017.values())) == len(CODES_2005_TO_2017)


def test_2005_codes_cannot_be_mistaken_for_2017_codes() -> None:
    assert not set(CODES_2005_TO_2017) & set(FACTORS)


def test_control_commands_span_3011_to_3021() -> None:
    controls = {code for code, meaning in COMMAND_CODES.items() if meaning == "control command"}
    assert controls == {str(code) for code in range(3011, 3022)}
    assert DATA_COMMANDS <= set(COMMAND_CODES)


def test_excluded_flags_are_data_flags() -> None:
    assert set(DATA_FLAGS) == set("NFMSDCTB")
    assert EXCLUDED_DATA_FLAGS < set(DATA_FLAGS)
