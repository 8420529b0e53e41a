"""Every table of the data model: importing this module registers each capability's models on ``Base.metadata``
(Alembic's ``migrations/env.py`` imports it; nothing else needs to)."""

from engine.anomalies import models as anomalies  # noqa: F401
from engine.audit import models as audit  # noqa: F401
from engine.calendar import models as calendar  # noqa: F401
from engine.credit import models as credit  # noqa: F401
from engine.emergency import models as emergency  # noqa: F401
from engine.emergency.library import models as emergency_library  # noqa: F401
from engine.emergency.risk import models as emergency_risk  # noqa: F401
from engine.evidence import models as evidence  # noqa: F401
from engine.exchange import models as exchange  # noqa: F401
from engine.exchange.datacheck import models as exchange_datacheck  # noqa: F401
from engine.idempotency import models as idempotency  # noqa: F401
from engine.identity import models as identity  # noqa: F401
from engine.inspection.onsite import models as inspection_onsite  # noqa: F401
from engine.inspection import models as inspection  # noqa: F401
from engine.instances import models as instances  # noqa: F401
from engine.monitoring import models as monitoring  # noqa: F401
from engine.notifications import models as notifications  # noqa: F401
from engine.replay import models as replay  # noqa: F401
from engine.reports import models as reports  # noqa: F401
from engine.runstate import models as runstate  # noqa: F401
from engine.support import models as support  # noqa: F401
from engine.tasks import models as tasks  # noqa: F401
from engine.tax import models as tax  # noqa: F401
from engine.workflow import models as workflow  # noqa: F401
