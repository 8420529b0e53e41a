"""Process models: deploy a checked BPMN model as a new version, list versions, compile on demand."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.errors import ProcessNotFound
from engine.scoping import require_admin
from engine.workflow.bundle import bundled_forms
from engine.workflow.compiler import CompiledModel, SpecCache, compile_model
from engine.workflow.forms import FormDefinition
from engine.workflow.models import ProcessModel
from engine.workflow.validation import check_model

log = logging.getLogger(__name__)

SPECS = SpecCache()


def deploy(session: Session, actor: Actor, xml: bytes, forms: Mapping[str, Any]) -> ProcessModel:
    """Check, compile and store a model as the new active version of its process.

    Deploying content identical to the active version changes nothing and returns it.

    :raises NotAllowed: unless the actor is an admin.
    :raises InvalidModel: naming the problem in the model or its forms.
    """
    require_admin(actor, "only administrators deploy process models")
    checked = check_model(xml, forms)
    compiled = compile_model(checked)
    used_forms = {key: forms[key] for key in sorted(checked.forms)}
    digest = _digest(xml, used_forms)
    active = _active(session, checked.process_id)
    if active is not None and active.sha256 == digest:
        return active
    model = ProcessModel(
        key=checked.process_id,
        version=_next_version(session, checked.process_id),
        name=checked.name,
        bpmn_xml=xml.decode("utf-8"),
        forms=used_forms,
        sha256=digest,
        is_active=True,
        deployed_by=actor.username,
    )
    session.execute(update(ProcessModel).where(ProcessModel.key == model.key).values(is_active=False))
    session.add(model)
    session.flush()
    SPECS.put(model.id, model.sha256, compiled)
    audit.record(session, actor, "process.deploy", payload={"key": model.key, "version": model.version, "sha256": digest})
    log.info("deployed %s version %s", model.key, model.version)
    return model


def _digest(xml: bytes, forms: Mapping[str, Any]) -> str:
    hasher = hashlib.sha256(xml)
    hasher.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return hasher.hexdigest()


def _next_version(session: Session, key: str) -> int:
    current = session.scalar(select(func.max(ProcessModel.version)).where(ProcessModel.key == key))
    return (current or 0) + 1


def _active(session: Session, key: str) -> ProcessModel | None:
    return session.scalars(
        select(ProcessModel).where(ProcessModel.key == key, ProcessModel.is_active.is_(True))
    ).one_or_none()


def active_model(session: Session, key: str) -> ProcessModel:
    """:raises ProcessNotFound: when no version of ``key`` is deployed."""
    model = _active(session, key)
    if model is None:
        raise ProcessNotFound(f"no process {key!r} is deployed")
    return model


def list_models(session: Session, key: str | None = None) -> list[ProcessModel]:
    query = select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version.desc())
    if key is not None:
        query = query.where(ProcessModel.key == key)
    return list(session.scalars(query))


def compiled(model: ProcessModel) -> CompiledModel:
    """The model's specs, compiled once per process and version."""
    cached = SPECS.get(model.id, model.sha256)
    if cached is None:
        cached = compile_model(check_model(model.bpmn_xml.encode("utf-8"), model.forms))
        SPECS.put(model.id, model.sha256, cached)
    return cached


def compiled_by_id(session: Session, model_id: int, sha256: str | None = None) -> CompiledModel:
    """A model version's specs by id, reading its ≈20 KB row only when this process has not compiled it yet."""
    sha256 = sha256 or session.scalar(select(ProcessModel.sha256).where(ProcessModel.id == model_id))
    cached = SPECS.get(model_id, sha256) if sha256 else None
    if cached is not None:
        return cached
    model = session.get(ProcessModel, model_id)
    if model is None:
        raise ProcessNotFound(f"process model {model_id} does not exist")
    return compiled(model)


def form_of(model: ProcessModel, form_key: str) -> FormDefinition:
    return compiled(model).forms[form_key]


def deploy_with_known_forms(session: Session, actor: Actor, xml: bytes) -> ProcessModel:
    """Deploy a model edited in the browser: its forms come from the shipped set and the active versions."""
    forms: dict[str, Any] = bundled_forms()
    for model in session.scalars(select(ProcessModel).where(ProcessModel.is_active.is_(True))):
        forms.update(model.forms)
    return deploy(session, actor, xml, forms)
