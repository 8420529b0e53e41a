"""The demo province is loaded through the register's import, from the data files under engine/data/."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.audit.models import AuditEvent
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.demo.monitoring import _register
from engine.register import exports, imports
from tests.support.actors import ADMIN


def test_demo_register_comes_from_the_data_files_through_the_import(session: Session) -> None:
    points = _register(session, utcnow())
    assert len(points) == session.scalar(select(func.count()).select_from(MonitoringPoint)) == 61
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 50
    assert session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.key_unit.is_(True))) == 21
    actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("register.%"))))
    assert actors == {"demo-seed"}
    ph = session.scalar(select(PointFactor).where(PointFactor.code == "w01001").limit(1))
    assert ph is not None and ph.rule_params == {"sudden_change": {"enabled": False}}
    assert imports.preview(session, ADMIN, exports.export(session, ADMIN), "x.xlsx").counts()["same"] == 111
