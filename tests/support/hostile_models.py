"""A stored process model whose ``extensionElements`` carry an XHTML element with an event handler.

Stored directly (not deployed), as a model stored before deployment refused foreign markup would be, and as
an inactive version so the module's other tests keep the bundled one.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.workflow.bundle import BUNDLED_DIR
from engine.workflow.models import ProcessModel

XHTML_HANDLER = ('<html:img xmlns:html="http://www.w3.org/1999/xhtml" src="data:," '
                 'onerror="document.title=\'pwned\';alert(document.domain)" />')


def store_hostile_model(session: Session) -> ProcessModel:
    """An inactive new version of ``anomaly_closure`` with the XHTML handler in its first extension elements."""
    xml = (BUNDLED_DIR / "anomaly_closure.bpmn").read_text(encoding="utf-8")
    xml = xml.replace("<bpmn:extensionElements>", "<bpmn:extensionElements>" + XHTML_HANDLER, 1)
    active = session.scalars(select(ProcessModel).where(ProcessModel.key == "anomaly_closure",
                                                        ProcessModel.is_active.is_(True))).one()
    version = (session.scalar(select(func.max(ProcessModel.version)).where(ProcessModel.key == "anomaly_closure"))
               or 0) + 1
    model = ProcessModel(key="anomaly_closure", version=version, name=active.name, bpmn_xml=xml, forms=active.forms,
                         sha256=hashlib.sha256(xml.encode()).hexdigest(), is_active=False, deployed_by="admin")
    session.add(model)
    session.flush()
    return model
