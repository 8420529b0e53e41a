"""An administrator imports a register file in Chromium, fixes the refused row, and sees the enterprise page."""

from __future__ import annotations

from pathlib import Path

from stdnum.cn import uscc

from tests.browser.conftest import Tab
from tests.engine.register.samples import enterprise_row, point_row, register_file

GOOD = "91440106MA5BRW001" + uscc.calc_check_digit("91440106MA5BRW001")
FIXED = "91440106MA5BRW002" + uscc.calc_check_digit("91440106MA5BRW002")


def _upload(tab: Tab, path: Path) -> None:
    tab.go("/register/import")
    tab.page.set_input_files("#import-file", str(path))
    with tab.page.expect_navigation():
        tab.page.click("#import-upload button[type=submit]")


def test_admin_imports_fixes_the_refused_row_and_sees_the_enterprise(tab: Tab, tmp_path: Path) -> None:
    first = tmp_path / "名录.xlsx"
    first.write_bytes(register_file(
        [enterprise_row(GOOD, "浏览器导入热电有限公司", "440106", lists="2026:大气"),
         enterprise_row(FIXED, "区划写错有限公司", "449999")],
        [point_row("BROWSER0001", GOOD, "a21026|mg/m³|35||GB 13223-2011|0|200")]))
    tab.login("admin")
    _upload(tab, first)
    assert tab.page.inner_text("#count-add") == "2" and tab.page.inner_text("#count-refused") == "1"
    assert "行政区划代码 '449999' 未知" in tab.page.inner_text("#import-preview")
    with tab.page.expect_navigation():
        tab.page.click("#confirm-import")
    assert tab.page.is_visible("#refused-download")

    fixed = tmp_path / "改正.xlsx"
    fixed.write_bytes(register_file([enterprise_row(FIXED, "区划写错有限公司", "440106")], []))
    _upload(tab, fixed)
    assert tab.page.inner_text("#count-add") == "1" and tab.page.inner_text("#count-refused") == "0"
    with tab.page.expect_navigation():
        tab.page.click("#confirm-import")

    tab.go(f"/register/?q={GOOD}")
    with tab.page.expect_navigation():
        tab.page.click(f"#register-results a:has-text('{GOOD}')")
    assert "浏览器导入热电有限公司" in tab.page.inner_text("h1")
    assert "2026 大气" in tab.page.inner_text("#memberships")
    assert "BROWSER0001" in tab.page.inner_text("#points") and "GB 13223-2011" in tab.page.inner_text("#points")
    tab.go(f"/register/enterprises/{FIXED}")
    assert "天河区" in tab.page.inner_text(".sub")
    assert tab.errors == []
