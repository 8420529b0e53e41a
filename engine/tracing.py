"""The request id of the work in progress, and the JSON lines operators read.

A web request or a scheduler job sets :data:`request_id` for its duration (``web/request_log.py``,
``integrations/runstate_jobs.py``); audit events recorded meanwhile carry it in their payload as
``request_id``, so "我提交报错了" with the error page's reference number leads to the request's log
line and to every audit event it wrote. :func:`json_logger` gives a logger whose records are
written as bare JSON lines on stderr (one object per line, no prefix), for log shippers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("ecoloop_request_id", default=None)

_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def accepted_id(offered: str | None) -> str:
    """A caller's id (e.g. from nginx's ``$request_id``) when it is short and plain; a new one otherwise."""
    return offered if offered and _VALID.fullmatch(offered) else new_id()


def json_logger(name: str) -> logging.Logger:
    """A logger writing each record's message, a JSON object, as one line on stderr (not propagated)."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, _JsonLines) for h in logger.handlers):
        logger.addHandler(_JsonLines())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def line(logger: logging.Logger, fields: dict[str, Any]) -> None:
    logger.info("%s", json.dumps(fields, ensure_ascii=False, default=str, separators=(",", ":")))


class _JsonLines(logging.StreamHandler):
    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("%(message)s"))
