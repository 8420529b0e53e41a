"""Chinese first, English second; dates shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, session
from flask_babel import Babel, get_locale

SHANGHAI = ZoneInfo("Asia/Shanghai")
LANGUAGES = ("zh_CN", "en")


def select_locale() -> str:
    """Chinese unless the user switched to English (the department's staff work in Chinese)."""
    chosen = session.get("lang")
    return str(chosen) if chosen in LANGUAGES else "zh_CN"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Render a stored UTC time in Shanghai time."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_timezone="Asia/Shanghai", default_locale="zh_CN")
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["get_locale"] = get_locale
