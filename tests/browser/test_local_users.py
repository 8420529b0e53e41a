"""With no directory configured, an administrator creates a local account on 新建用户, and it can log in."""

from __future__ import annotations

from sqlalchemy import select

from engine.audit.models import AuditEvent
from tests.browser.conftest import LiveServer, Tab


def test_admin_creates_a_local_user_who_then_logs_in(tab: Tab, live: LiveServer) -> None:
    page = tab.page
    tab.login("admin")
    tab.go("/admin/users")
    assert "未配置目录服务" in page.inner_text("#directory-problem")
    with page.expect_navigation():
        page.click("text=新建用户")
    assert page.get_attribute("#directory-state", "data-state") == "not_configured"
    assert page.is_checked("#kind-local") and page.is_disabled("#kind-directory")
    page.fill("#u-login", "county-440106-new")
    page.fill("#u-display_name", "天河区分局新同事")
    page.fill("#u-password", "s3cret-pass")
    page.fill("#u-region_code", "440106")
    page.check("#r-county_reviewer")
    with page.expect_navigation():
        page.click("#new-user-form button.btn-primary")
    assert "已创建本地账号 county-440106-new" in page.inner_text("main")
    assert page.locator('#local-users tr[data-username="county-440106-new"]').count() == 1
    tab.logout()

    tab.login("county-440106-new", "s3cret-pass")
    assert "/login" not in page.url
    assert "天河区分局新同事" in page.content()
    with live.sessions()() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")
                                .order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.actor == "admin" and event.payload["username"] == "county-440106-new"
    assert "s3cret-pass" not in str(event.payload)
    assert tab.errors == []
