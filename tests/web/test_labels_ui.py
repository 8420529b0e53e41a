"""Pages speak words, not codes: the audit log and the rules page show labels, English pages translate the
bundled process and step names, and the chosen language follows the person from one log-in to the next."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask

from engine.monitoring import rules
from tests.web import ui_support as ui
from tests.web.conftest import Browser, login
from tests.web.test_translations import _compiled
from web import labels


class _Text(HTMLParser):
    """The text a person reads: element contents, not attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(reader.parts)


def _raw(text: str, codes: set[str]) -> list[str]:
    return sorted(code for code in codes if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text))


def test_the_audit_log_shows_labels_not_keys(app: Flask) -> None:
    admin = login(app, "admin")
    admin.get("/admin/audit")
    assert admin.post("/admin/audit/verify").status_code == 200  # an event by a person, with a payload
    pages = [visible(admin.get(f"/admin/audit?page={page}").get_data(as_text=True)) for page in range(1, 6)]
    text = " ".join(pages)
    assert _raw(text, set(labels.ACTIONS)) == []
    assert _raw(text, set(labels.ROLE_LABELS)) == []
    assert not re.search(r"(?<![\w.])system(?![\w.])", text), "the engine's account shows as 系统"
    assert '{"' not in text and "\": " not in text, "payloads are a labelled list, not JSON"
    assert "系统管理员" in text and "校验审计链" in text and "已校验" in text


def test_the_rules_page_shows_labels_not_parameter_names(app: Flask) -> None:
    admin = login(app, "admin")
    text = visible(admin.get("/admin/rules/").get_data(as_text=True))
    parameters = {name for params in rules.DEFAULTS.values() for name in params}
    assert _raw(text, parameters | set(rules.DEFAULTS)) == []
    assert "连续次数" in text and "容差" in text and "数据到达期限（分钟）" in text


def test_the_configuration_pages_show_process_and_setting_names(app: Flask) -> None:
    admin = login(app, "admin")
    listing = visible(admin.get("/admin/config").get_data(as_text=True))
    assert "anomaly_closure" not in listing and "超标/异常数据闭环" in listing
    page = visible(admin.get("/admin/config/anomaly_closure").get_data(as_text=True))
    assert _raw(page, {"anomaly_closure", "explain_workdays", "max_return_rounds", "city_review_types"}) == []
    assert "企业说明期限（工作日）" in page


def _switch(browser: Browser, lang: str) -> None:
    browser.get("/tasks/")
    assert browser.post("/language", {"lang": lang, "next": "/tasks/"}).status_code == 302


def test_english_pages_name_processes_and_steps_in_english(app: Flask) -> None:
    _compiled()
    county = login(app, "county-440106")
    chinese = visible(county.get("/tasks/").get_data(as_text=True))
    assert "区县初审" in chinese
    _switch(county, "en")
    try:
        english = visible(county.get("/tasks/").get_data(as_text=True))
        assert "County first review" in english and "区县初审" not in english
        reports = visible(county.get("/reports/").get_data(as_text=True))
        assert "Monthly report (PDF)" in reports and "月报" not in reports
        listing = visible(login(app, "admin").get("/admin/config").get_data(as_text=True))
    finally:
        _switch(county, "zh_CN")
    assert "超标/异常数据闭环" in listing  # the admin did not choose English


def test_the_chosen_language_survives_log_out_and_another_browser(app: Flask) -> None:
    _compiled()
    city = login(app, "city-440100")
    _switch(city, "en")
    try:
        city.post("/logout")
        again = login(app, "city-440100")  # a new client: no cookie remembers anything
        assert 'lang="en"' in again.get("/tasks/").get_data(as_text=True)
    finally:
        _switch(again, "zh_CN")
    assert 'lang="zh-CN"' in login(app, "city-440100").get("/tasks/").get_data(as_text=True)


def test_notifications_name_people_and_read_in_the_readers_language(app: Flask) -> None:
    case = ui.start_case(app)
    task = ui.ready_task(app, case)
    city = login(app, "city-440100")
    city.get(f"/instances/{case}")
    assert city.post(f"/tasks/{task.id}/urge", {"note": "请今天内说明"}).status_code == 302
    ui.project(app)
    clerk = login(app, ui.TIANHE.credit_code)
    chinese = visible(clerk.get("/notifications/").get_data(as_text=True))
    assert "广州市局审核员：请今天内说明" in chinese and "city-440100" not in chinese
    assert f"催办：{task.title}" in chinese
    _switch(clerk, "en")
    try:
        english = visible(clerk.get("/notifications/").get_data(as_text=True))
    finally:
        _switch(clerk, "zh_CN")
    assert "Urged: Enterprise explanation" in english and "催办" not in english


def test_engine_errors_read_in_the_readers_language(app: Flask) -> None:
    county = login(app, "county-440106")
    missing = county.get("/tasks/00000000-0000-0000-0000-000000000000")
    text = visible(missing.get_data(as_text=True))
    assert missing.status_code == 404 and "not found" not in text and "找不到该待办" in text
    _switch(county, "en")
    try:
        english = visible(county.get("/tasks/00000000-0000-0000-0000-000000000000").get_data(as_text=True))
    finally:
        _switch(county, "zh_CN")
    assert "not found" in english and "找不到" not in english  # the engine's own English
