"""Matching taxpayers to enterprises and tax sources to outlets; the unmatched page and its resolutions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.exchange.datacheck import matching
from tests.engine.exchange.datacheck.records import Records, credit_code
from tests.support.actors import ADMIN, CITY_GZ, COUNTY_BAIYUN, COUNTY_TIANHE, ENT_TIANHE


def matched_taxpayers(session: Session) -> dict[str, int | None]:
    tm = matching.taxpayer_matches()
    return {code: ent for code, ent in session.execute(select(tm.c.credit_code, tm.c.enterprise_id))}


def matched_sources(session: Session) -> dict[str, int | None]:
    sm = matching.source_matches()
    return {key: point for key, point in session.execute(select(sm.c.record_key, sm.c.point_id))}


def test_codes_match_taxpayers_and_outlets(session: Session, records: Records) -> None:
    known = records.enterprise(credit_code(1))
    dust = records.point(known, "DA001")
    records.taxpayer(credit_code(1))
    records.taxpayer(credit_code(2))  # not in the register
    records.source(credit_code(1), "S-1", "DA001")
    records.source(credit_code(1), "S-2", "DA009")  # no such outlet
    records.source(credit_code(1), "S-3", "DW001", method="coefficient")  # needs no point

    assert matched_taxpayers(session) == {credit_code(1): known.id, credit_code(2): None}
    assert matched_sources(session) == {"S-1": dust.id, "S-2": None, "S-3": None}
    page = matching.unmatched(session, COUNTY_TIANHE)
    assert [(u.kind, u.record_key) for u in page.items] == [("tax_source", "S-2"), ("taxpayer", credit_code(2))]
    assert page.total == 2
    assert matching.counts_by_region(session, COUNTY_TIANHE) == {"440106": 2}


def test_the_page_is_scoped_by_region(session: Session, records: Records) -> None:
    records.taxpayer(credit_code(3, "440106"), "440106")
    records.taxpayer(credit_code(4, "440111"), "440111")
    assert [u.region_code for u in matching.unmatched(session, COUNTY_TIANHE).items] == ["440106"]
    assert [u.region_code for u in matching.unmatched(session, COUNTY_BAIYUN).items] == ["440111"]
    assert matching.unmatched(session, CITY_GZ).total == 2
    assert matching.unmatched(session, CITY_GZ, region_prefix="440111").total == 1
    with pytest.raises(NotAllowed):
        matching.unmatched(session, ENT_TIANHE)


def test_a_reviewer_links_a_taxpayer_and_a_source(session: Session, records: Records) -> None:
    enterprise = records.enterprise(credit_code(5), name="改名前的企业")
    point = records.point(enterprise, "DA001", mn="MN-LINK-1")
    records.taxpayer(credit_code(6))  # the tax side still has the old code
    records.source(credit_code(6), "S-6", "DA-OLD")

    with pytest.raises(InvalidInput) as unknown:
        matching.resolve(session, COUNTY_TIANHE, "taxpayer", credit_code(6), resolution="linked",
                         enterprise_code=credit_code(99))
    assert list(unknown.value.fields) == ["enterprise_code"]
    with pytest.raises(NotFound):
        matching.resolve(session, COUNTY_BAIYUN, "taxpayer", credit_code(6), resolution="linked",
                         enterprise_code=credit_code(5))
    matching.resolve(session, COUNTY_TIANHE, "taxpayer", credit_code(6), resolution="linked",
                     enterprise_code=credit_code(5), note="统一社会信用代码变更")
    assert matched_taxpayers(session)[credit_code(6)] == enterprise.id
    assert [u.record_key for u in matching.unmatched(session, COUNTY_TIANHE).items] == ["S-6"]

    with pytest.raises(InvalidInput) as wrong_point:
        matching.resolve(session, COUNTY_TIANHE, "tax_source", "S-6", resolution="linked", point_mn="MN-NONE")
    assert list(wrong_point.value.fields) == ["point_mn"]
    matching.resolve(session, COUNTY_TIANHE, "tax_source", "S-6", resolution="linked", point_mn="MN-LINK-1")
    assert matched_sources(session)["S-6"] == point.id
    assert matching.unmatched(session, COUNTY_TIANHE).total == 0
    with pytest.raises(NotFound):  # resolved records leave the page
        matching.resolve(session, COUNTY_TIANHE, "tax_source", "S-7", resolution="not_regulated")
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "exchange.match_resolve")).all()
    assert [(e.actor, e.payload["record_key"], e.payload["resolution"]) for e in events] == [
        (COUNTY_TIANHE.username, credit_code(6), "linked"), (COUNTY_TIANHE.username, "S-6", "linked")]
    assert [link.record_key for link in matching.resolutions(session, COUNTY_TIANHE)] == ["S-6", credit_code(6)]
    assert matching.resolutions(session, COUNTY_BAIYUN) == []


def test_not_regulated_records_leave_the_page_and_the_match(session: Session, records: Records) -> None:
    records.enterprise(credit_code(7))
    records.taxpayer(credit_code(7))
    records.taxpayer(credit_code(8))
    matching.resolve(session, ADMIN, "taxpayer", credit_code(8), resolution="not_regulated", note="非排污单位")
    assert matching.unmatched(session, COUNTY_TIANHE).total == 0
    assert matched_taxpayers(session)[credit_code(8)] is None
    with pytest.raises(Conflict):
        matching.resolve(session, ADMIN, "taxpayer", credit_code(8), resolution="not_regulated")
    with pytest.raises(InvalidInput) as bad:
        matching.resolve(session, ADMIN, "person", credit_code(8), resolution="not_regulated")
    assert list(bad.value.fields) == ["kind"]
