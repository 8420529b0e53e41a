"""The Guangdong region tree read from engine/data/regions.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.regions import (
    Region,
    RegionLevel,
    RegionScope,
    RegionTree,
    read_regions,
    region_tree,
)

GUANGZHOU, TIANHE, HAIZHU = "440100", "440106", "440105"
SHENZHEN, FUTIAN = "440300", "440304"
DONGGUAN, ZHONGSHAN = "441900", "442000"


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return region_tree()


@pytest.mark.parametrize("code", ["440000", GUANGZHOU, TIANHE, DONGGUAN, ZHONGSHAN, "440605", "445381"])
def test_known_codes_are_valid(tree: RegionTree, code: str) -> None:
    assert tree.is_valid_guangdong_code(code)


@pytest.mark.parametrize("code", ["440199", "110101", "44010", "4401060", "abcdef", "", " 440106", "４４０１０６"])
def test_other_strings_are_not_valid(tree: RegionTree, code: str) -> None:
    assert not tree.is_valid_guangdong_code(code)
    assert tree.get(code) is None


def test_non_string_is_not_valid(tree: RegionTree) -> None:
    assert not tree.is_valid_guangdong_code(440106)  # type: ignore[arg-type]


def test_counts(tree: RegionTree) -> None:
    assert len(tree.cities()) == 21
    assert all(city.level is RegionLevel.CITY for city in tree.cities())
    assert sum(len(tree.children(city.code)) for city in tree.cities()) == 122
    assert len(tree) == 1 + 21 + 122
    assert len(tree.children(GUANGZHOU)) == 11
    assert len(tree.children(SHENZHEN)) == 9


def test_get_returns_the_row(tree: RegionTree) -> None:
    assert tree.get(TIANHE) == Region(TIANHE, "天河区", RegionLevel.COUNTY, GUANGZHOU)
    assert tree.get("440000") == Region("440000", "广东省", RegionLevel.PROVINCE, None)


def test_level_and_city_of(tree: RegionTree) -> None:
    assert tree.level("440000") is RegionLevel.PROVINCE
    assert tree.level(DONGGUAN) is RegionLevel.CITY
    assert tree.level(FUTIAN) is RegionLevel.COUNTY
    assert tree.city_of("440000") is None
    assert tree.city_of(SHENZHEN) == tree.get(SHENZHEN)
    assert tree.city_of(FUTIAN) == tree.get(SHENZHEN)
    assert tree.city_of(ZHONGSHAN) == tree.get(ZHONGSHAN)


def test_children_are_ordered_and_leaves_have_none(tree: RegionTree) -> None:
    foshan = [region.code for region in tree.children("440600")]
    assert foshan == ["440604", "440605", "440606", "440607", "440608"]
    assert tree.children(DONGGUAN) == ()
    assert tree.children(ZHONGSHAN) == ()
    assert tree.children(TIANHE) == ()


@pytest.mark.parametrize("method", ["level", "city_of", "children", "scope_prefix"])
def test_lookups_reject_unknown_codes(tree: RegionTree, method: str) -> None:
    with pytest.raises(KeyError, match="440199"):
        getattr(tree, method)("440199")


def test_province_covers_every_division(tree: RegionTree) -> None:
    assert all(tree.covers("440000", code) for code in _all_codes())


def test_city_covers_itself_and_its_counties_only(tree: RegionTree) -> None:
    assert tree.covers(GUANGZHOU, GUANGZHOU)
    assert tree.covers(GUANGZHOU, TIANHE)
    assert not tree.covers(GUANGZHOU, "440000")
    assert not tree.covers(GUANGZHOU, SHENZHEN)
    assert not tree.covers(GUANGZHOU, FUTIAN)


def test_county_covers_only_itself(tree: RegionTree) -> None:
    assert tree.covers(TIANHE, TIANHE)
    assert not tree.covers(TIANHE, HAIZHU)
    assert not tree.covers(TIANHE, GUANGZHOU)
    assert not tree.covers(TIANHE, "440000")


def test_dongguan_and_zhongshan_cover_only_themselves(tree: RegionTree) -> None:
    assert tree.covers(DONGGUAN, DONGGUAN)
    assert tree.covers("440000", DONGGUAN)
    assert not tree.covers(DONGGUAN, ZHONGSHAN)
    assert not tree.covers(ZHONGSHAN, DONGGUAN)
    assert [code for code in _all_codes() if tree.covers(DONGGUAN, code)] == [DONGGUAN]


def test_unknown_codes_cover_nothing(tree: RegionTree) -> None:
    assert not tree.covers("440000", "110101")
    assert not tree.covers(GUANGZHOU, "440199")
    assert not tree.covers("110000", "110101")


def test_scope_prefix_per_level(tree: RegionTree) -> None:
    assert tree.scope_prefix("440000") == RegionScope("all", "44")
    assert tree.scope_prefix(GUANGZHOU) == RegionScope("prefix", "4401")
    assert tree.scope_prefix(DONGGUAN) == RegionScope("prefix", "4419")
    kind, value = tree.scope_prefix(TIANHE)
    assert (kind, value) == ("exact", TIANHE)


def test_exact_scope_does_not_match_longer_codes(tree: RegionTree) -> None:
    scope = tree.scope_prefix(TIANHE)
    assert scope.matches(TIANHE)
    assert not scope.matches(TIANHE + "001")


def test_scope_prefix_agrees_with_covers(tree: RegionTree) -> None:
    codes = _all_codes()
    for scope_code in codes:
        scope = tree.scope_prefix(scope_code)
        assert [c for c in codes if scope.matches(c)] == [c for c in codes if tree.covers(scope_code, c)]


def test_region_tree_is_loaded_once() -> None:
    assert region_tree() is region_tree()


def test_rejects_a_county_under_the_wrong_city(tmp_path: Path) -> None:
    rows = ["440000,广东省,,province", "440100,广州市,440000,city", "440300,深圳市,440000,city"]
    csv_file = _write(tmp_path, *rows, "440106,天河区,440300,county")
    with pytest.raises(ValueError, match="440106"):
        read_regions(csv_file)


def test_rejects_a_code_outside_guangdong(tmp_path: Path) -> None:
    csv_file = _write(tmp_path, "440000,广东省,,province", "110000,北京市,,province")
    with pytest.raises(ValueError, match="110000"):
        read_regions(csv_file)


def test_rejects_a_duplicate_code(tmp_path: Path) -> None:
    csv_file = _write(tmp_path, "440000,广东省,,province", "440100,广州市,440000,city", "440100,广州,440000,city")
    with pytest.raises(ValueError, match="twice"):
        read_regions(csv_file)


def test_rejects_a_wrong_header(tmp_path: Path) -> None:
    csv_file = tmp_path / "regions.csv"
    csv_file.write_text("code,name,level\n440000,广东省,province\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        read_regions(csv_file)


def _all_codes() -> list[str]:
    tree = region_tree()
    codes = ["440000"]
    for city in tree.cities():
        codes += [city.code] + [county.code for county in tree.children(city.code)]
    return codes


def _write(directory: Path, *rows: str) -> Path:
    path = directory / "regions.csv"
    path.write_text("\n".join(["code,name,parent_code,level", *rows]) + "\n", encoding="utf-8")
    return path
