"""Chinese first, English second; dates shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, session
from flask_babel import Babel, get_locale

SHANGHAI = ZoneInfo("Asia/Shanghai")
LANGUAGES = ("zh_CN", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default="zh_CN") or "zh_CN"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Render a stored UTC time in Shanghai time."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_timezone="Asia/Shanghai", default_locale="zh_CN")
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["get_locale"] = get_locale
