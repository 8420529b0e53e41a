"""The starter libraries, Chinese search (two-character words, CAS, document numbers) and the cross-links."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.emergency.library import entries, links, search, seed
from engine.emergency.library.seed import starter_rows
from tests.support.actors import ADMIN, CITY_GZ


@pytest.fixture
def seeded(session: Session) -> dict[str, int]:
    return seed.seed(session)


def test_seed_publishes_every_starter_row_once(session: Session, seeded: dict[str, int]) -> None:
    assert seeded["chemical"] == len(starter_rows("chemical")) >= 60
    assert seed.seed(session) == {key: 0 for key in seeded}
    assert entries.counts(session)["policy"] == len(starter_rows("policy"))


@pytest.mark.parametrize(("query", "title"), [
    ("苯酚", "苯酚"), ("氯气", "氯"), ("7782-50-5", "氯"), ("108-95-2", "苯酚"), ("1017", "氯"),
    ("环发〔2015〕4号", "企业事业单位突发环境事件应急预案备案管理办法（试行）"),
    ("环发[2015]4号", "企业事业单位突发环境事件应急预案备案管理办法（试行）"),
    ("HJ 941-2018", "企业突发环境事件风险分级方法"),
])
def test_search_finds(session: Session, seeded: dict[str, int], query: str, title: str) -> None:
    hits = search.search(session, query)
    assert hits and hits[0].title == title
    assert "<mark>" in hits[0].snippet


def test_search_is_precise_and_filtered(session: Session, seeded: dict[str, int]) -> None:
    assert search.search(session, "环发〔2015〕5号") == []
    assert search.search(session, "7782-50-4") == []
    assert {h.library for h in search.search(session, "应急预案", libraries=["policy"])} == {"policy"}
    assert all(h.library == "chemical" for h in search.search(session, "苯", libraries=["chemical"]))
    assert search.search(session, "氯") and search.search(session, "  ") == []


def test_chemical_page_links(session: Session, seeded: dict[str, int]) -> None:
    benzene = next(h for h in search.search(session, "71-43-2") if h.title == "苯")
    fields = entries.current(session, CITY_GZ, benzene.entry_id).fields
    linked = {(link.relation, link.entry.library) for link in links.referring(session, "chemical", fields)}
    assert linked == {("involves", "case"), ("treats", "technique"), ("cites", "policy")}
    case = next(link.entry for link in links.referring(session, "chemical", fields) if link.relation == "involves")
    assert {t.entry.title for t in links.referred(session, case)} == {"苯", "硝基苯"}


def test_links_follow_the_published_version(session: Session, seeded: dict[str, int]) -> None:
    draft = entries.create_draft(session, ADMIN, "case", {"event": "某河苯酚泄漏", "occurred_on": "2024-05-01",
                                                         "substances": ["苯酚"]})
    phenol = search.search(session, "苯酚", libraries=["chemical"])[0]
    fields = entries.current(session, CITY_GZ, phenol.entry_id).fields
    def cases() -> list[str]:
        return [link.entry.title for link in links.referring(session, "chemical", fields) if link.relation == "involves"]
    assert cases() == []  # a draft links nothing
    entries.publish(session, ADMIN, draft)
    assert cases() == ["某河苯酚泄漏"]
    assert search.search(session, "泄漏")[0].title == "某河苯酚泄漏"
