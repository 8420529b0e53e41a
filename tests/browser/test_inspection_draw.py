"""A city organiser plans, commits and runs a draw in real Chromium; the public page shows the commitment at
once and, for the demo's revealed draw, the verification and the drawn list."""

from __future__ import annotations

from sqlalchemy import select

from engine.inspection.models import Draw, DrawStatus
from tests.browser.conftest import LiveServer, Tab


def test_organiser_draws_and_the_public_verifies(tab: Tab, live: LiveServer) -> None:
    tab.login("city-440100")
    tab.go("/inspection/plans/new")
    page = tab.page
    page.fill("#title", "广州市浏览器测试抽查计划")
    for field, value in (("period_start", "2027-07-01"), ("period_end", "2027-09-30"),
                         ("inspect_from", "2027-07-01"), ("inspect_to", "2027-09-30")):
        page.fill(f"#{field}", value)
    page.locator("input[name=item_ids]").first.check()
    with page.expect_navigation():
        page.click("#save-plan")
    with page.expect_navigation():
        page.click("#commit-draw")
    commitment = page.locator(".draw-record[data-status=committed] .font-monospace").first.inner_text()
    with page.expect_navigation():
        page.click("#run-draw")
    assert page.locator("#drawn-list tbody tr").count() > 0
    assert page.locator(".draw-record[data-status=drawn]").count() == 1
    tab.logout()
    tab.go("/public/inspection/")
    assert commitment.split()[-1][:24] in page.locator("#public-draws").inner_text()
    with live.sessions()() as session:
        revealed = session.scalars(select(Draw.id).where(Draw.status == DrawStatus.REVEALED)).first()
    tab.go(f"/public/inspection/draws/{revealed}")
    assert page.locator("#verification").get_attribute("data-ok") == "true"
    assert page.locator("#public-list tbody tr").count() > 0
    assert not tab.errors
