"""转办/委派/抄送 on the task page: only people who may act are offered, a refused choice is a Chinese message."""

from __future__ import annotations

import re

from flask import Flask

from engine.actors import Role
from tests.web import ui_support as ui
from tests.web.conftest import login


def options(page: str, dialog: str) -> set[str]:
    section = page.split(f'id="{dialog}"', 1)[1].split('class="modal fade"', 1)[0]
    return set(re.findall(r'<option value="([^"]+)"', section))


def test_the_lists_offer_only_people_who_may_act(app: Flask) -> None:
    ui.add_user(app, "county-440106-p", Role.COUNTY_REVIEWER, "440106", "天河区分局审核员丙")
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    page = login(app, "county-440106").get(f"/tasks/{task.id}").get_data(as_text=True)
    transfer = options(page, "op-transfer")
    assert "county-440106-p" in transfer
    assert not transfer & {"city-440100", "province", "tax-gd", "county-440111", "admin"}
    for dialog in ("op-delegate", "op-copy"):
        offered = options(page, dialog)
        assert {"county-440106-p", "city-440100", "province"} <= offered
        assert not offered & {"tax-gd", "county-440111", "91440106MA59C8Q0XW"}


def test_a_refused_person_comes_back_as_a_message_on_the_task_page(app: Flask) -> None:
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    county = login(app, "county-440106")
    county.get(f"/tasks/{task.id}")
    attempts: list[tuple[str, dict[str, object]]] = [
        (f"/tasks/{task.id}/transfer", {"target": "city-440100"}),
        (f"/tasks/{task.id}/delegate", {"target": "tax-gd"}),
        (f"/tasks/{task.id}/copy", {"targets": "tax-gd"})]
    for path, data in attempts:
        refused = county.post(path, data)
        assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/tasks/{task.id}")
        shown = county.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert "操作未完成" in shown and "alert-danger" in shown, path
    tax = login(app, "tax-gd")
    assert tax.get(f"/tasks/{task.id}").status_code == 404
    assert tax.get(f"/instances/{task.instance_id}").status_code == 404
    after = ui.ready_task(app, task.instance_id)
    assert after.delegated_to is None and after.assignee is None
