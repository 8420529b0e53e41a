"""Diagrams are readable: fitted to the width with labels ≥ 10 px on screen, zoom buttons and drag-to-pan work."""

from __future__ import annotations

import pytest

from engine.workflow.bundle import bundled_model_files
from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_security_headers import _task_in

SMALLEST_LABEL = """() => Math.min(...Array.from(document.querySelectorAll('#diagram text.djs-label'))
  .filter(t => t.textContent.trim())
  .map(t => { const m = t.getScreenCTM(); return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); }))"""
VIEWPORT = "() => document.querySelector('#diagram .viewport').getAttribute('transform')"


def _zoom(tab: Tab) -> float:
    return float(tab.page.get_attribute("#diagram", "data-zoom"))


@pytest.mark.parametrize("key", [p.stem for p in bundled_model_files()])
def test_every_bundled_model_is_readable_after_fit(tab: Tab, key: str) -> None:
    tab.login("admin")
    tab.go(f"/admin/processes/{key}")
    tab.page.wait_for_selector("#diagram[data-rendered=true]", state="attached")
    assert tab.page.evaluate(SMALLEST_LABEL) >= 10
    assert tab.errors == []


def test_zoom_buttons_and_drag_change_the_view(tab: Tab, live: LiveServer) -> None:
    review = _task_in(live, "440106", "county_review")
    tab.login("county-440106")
    tab.go(f"/instances/{review.instance_id}")
    tab.page.wait_for_selector("#diagram[data-rendered=true]", state="attached")
    fitted = _zoom(tab)
    assert tab.page.evaluate(SMALLEST_LABEL) >= 10
    tab.page.click(".diagram-tools [data-zoom=in]")
    assert _zoom(tab) > fitted
    tab.page.click(".diagram-tools [data-zoom=out]")
    tab.page.click(".diagram-tools [data-zoom=out]")
    assert _zoom(tab) < fitted
    tab.page.click(".diagram-tools [data-zoom=fit]")
    assert _zoom(tab) == pytest.approx(fitted, abs=0.002)
    before = tab.page.evaluate(VIEWPORT)
    box = tab.page.locator("#diagram").bounding_box()
    tab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 30)
    tab.page.mouse.down()
    tab.page.mouse.move(box["x"] + box["width"] / 2 - 150, box["y"] + 40, steps=8)
    tab.page.mouse.up()
    assert tab.page.evaluate(VIEWPORT) != before, "dragging the canvas pans it"
    assert tab.errors == []
