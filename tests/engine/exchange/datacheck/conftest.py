from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.engine.exchange.datacheck.records import Records


@pytest.fixture
def records(session: Session) -> Records:
    return Records(session)
