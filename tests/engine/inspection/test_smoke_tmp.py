from sqlalchemy.orm import Session
import pytest
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from tests.support.actors import ADMIN, COUNTY_TIANHE
from tests.support.processes import ready

pytestmark = pytest.mark.usefixtures("deployed")

def test_smoke(session: Session) -> None:
    inst = instances.start(session, ADMIN, StartRequest("random_inspection", "440106", None, business_key="x",
        subject="s", data={"assignment_id": 1, "lead_officer": "o1", "second_officer": "o2", "planned_date": "2026-12-20"}))
    step = ready(session, inst.id, "onsite_record")
    print(step.assignee, step.due_at, step.role)
