"""A county reviews its enterprises' proposed levels in real Chromium: one adjustment, then the rest at once."""

from __future__ import annotations

import io

from sqlalchemy import select

from engine.actors import Actor, Role
from engine.credit import rounds
from engine.credit.models import CreditRound, CreditScore
from engine.demo.processes import DEMO_PDF
from engine.evidence import library as evidence
from engine.workflow.models import HumanTask
from tests.browser.conftest import LiveServer, Tab

PROVINCE = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")


def test_county_batch_review(tab: Tab, live: LiveServer) -> None:
    with live.sessions().begin() as session:
        rounds.open_round(session, PROVINCE, 2023)
        credit_round = session.scalars(select(CreditRound).where(CreditRound.year == 2023)).one()
        round_id = credit_round.id
        mine = session.scalars(select(CreditScore).where(CreditScore.round_id == round_id,
                                                         CreditScore.region_code == "440106")).all()
        target = mine[0]
        code, proposed, others = target.enterprise_code, target.proposed_level, len(mine) - 1
        county = Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106")
        proof = evidence.upload(session, live.app.extensions["ecoloop.files"], county,
                                io.BytesIO(DEMO_PDF + b"% review\n"), "核查报告.pdf").id
    tab.login("county-440106")
    tab.go(f"/credit/rounds/{round_id}/review")
    row = tab.page.locator(f"tr[data-code='{code}']")
    row.locator("select[name=level]").select_option(str(proposed + 1 if proposed < 4 else proposed - 1))
    row.locator("input[name=reason]").fill("现场检查发现未按要求公开环境信息")
    row.locator("input[name=evidence]").fill(str(proof))
    with tab.page.expect_navigation():
        row.locator("button").click()
    assert tab.page.locator(f"tr[data-code='{code}']").get_attribute("data-status") == "adjusted"
    with tab.page.expect_navigation():
        tab.page.locator("form.approve-rest[data-region='440106'] button").click()
    statuses = tab.page.locator("#review-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses.count("adjusted") == 1 and statuses.count("approved") == others
    assert tab.page.locator("form.approve-rest[data-region='440106']").count() == 0
    with live.sessions()() as session:
        done = session.scalars(select(HumanTask.status).where(HumanTask.region_code == "440106",
                                                              HumanTask.form_key == "credit_round_county")).all()
        assert done == ["completed"]
    assert not tab.errors
