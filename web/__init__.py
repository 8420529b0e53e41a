"""The Flask application: blueprints, request-scoped database sessions, error mapping, scheduler."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from flask import Flask

from engine import processes
from engine.workflow import limits
from engine.config import PREFIX, ConfigError, Settings, load_settings
from engine.db import make_engine, make_session_factory, read_sessions
from engine.evidence.filestore import FileStore, LocalFileStore
from engine.monitoring import monthly
from engine.tax import review as tax_review
from integrations.ldap.directory import LdapDirectory
from integrations.ldap.settings import LdapSettings
from web import database, errors, i18n, json_guard, params, proxies, rate_limits, request_log, security_headers, static_assets, ui
from web.extensions import csrf

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from ``ECOLOOP_*`` settings; ``test_config`` overrides them (keys without the prefix)."""
    settings = load_settings(overrides=test_config)
    processes.wire()
    tax_review.register_figures_source(monthly.figures_source)
    app = Flask(__name__)
    _configure(app, settings)
    engine = make_engine(settings.database_url)
    app.extensions["ecoloop.settings"] = settings
    limits.configure(settings.model_limits)
    app.extensions["ecoloop.engine"] = engine
    app.extensions["ecoloop.sessions"] = make_session_factory(engine)
    app.extensions["ecoloop.read_sessions"] = read_sessions(app.extensions["ecoloop.sessions"],
                                                            settings.database_replica_url)
    app.extensions["ecoloop.files"] = file_store(settings)
    app.extensions["ecoloop.directory"] = _directory(settings)
    proxies.init_app(app)
    request_log.init_app(app)
    params.init_app(app)
    json_guard.init_app(app)
    csrf.init_app(app)
    rate_limits.init_app(app)
    i18n.init_app(app)
    ui.init_app(app)
    database.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    static_assets.init_app(app)
    _register_blueprints(app)
    _start_services(app)
    return app


def _start_services(app: Flask) -> None:
    """What the blueprints need running, started in one place: the log-in throttle and lockout policy
    (wrapping the registered log-in view) and the notification dispatcher (its thread and request hooks).
    Report generation starts on demand (``web/reports/worker.py``); scheduled jobs are ``web/scheduler.py``'s."""
    from web.auth import throttle
    from web.notifications import dispatch

    throttle.init_app(app)
    dispatch.init_app(app)


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if settings.testing:
        app.config["TESTING"] = True


EVIDENCE_STORES = ("local", "s3")


def file_store(settings: Settings) -> FileStore:
    """Where evidence is kept (``ECOLOOP_EVIDENCE_STORE``): ``local`` (``ECOLOOP_EVIDENCE_DIR``, the default; a
    shared mount when there are several nodes) or ``s3`` (an S3-compatible bucket, ``ECOLOOP_S3_*``)."""
    kind = settings.raw.get("EVIDENCE_STORE", "").strip().lower() or "local"
    if kind not in EVIDENCE_STORES:
        raise ConfigError(f"{PREFIX}EVIDENCE_STORE must be one of {', '.join(EVIDENCE_STORES)}, not {kind!r}")
    if kind == "s3":
        from integrations.s3_store import S3FileStore, S3Settings

        return S3FileStore(S3Settings.from_mapping(settings.raw), settings.max_upload_bytes)
    return LocalFileStore(settings.evidence_dir, settings.max_upload_bytes)


def _directory(settings: Settings) -> LdapDirectory | None:
    """The LDAP directory when ``ECOLOOP_LDAP_URIS`` is set; local accounts only otherwise."""
    if not settings.raw.get("LDAP_URIS"):
        return None
    return LdapDirectory(LdapSettings.from_mapping({PREFIX + key: value for key, value in settings.raw.items()}))


def _register_blueprints(app: Flask) -> None:
    from web.admin import bp as admin_bp
    from web.auth import bp as auth_bp
    from web.dashboard import bp as dashboard_bp
    from web.evidence import bp as evidence_bp
    from web.instances import bp as instances_bp
    from web.notifications import bp as notifications_bp
    from web.portal import bp as portal_bp
    from web.tasks import bp as tasks_bp

    for blueprint in (auth_bp, tasks_bp, instances_bp, evidence_bp, admin_bp, dashboard_bp, portal_bp,
                      notifications_bp):
        app.register_blueprint(blueprint)
    from web.admin.rules import bp as admin_rules_bp

    app.register_blueprint(admin_rules_bp)
    from web.replay.views import bp as replay_bp

    app.register_blueprint(replay_bp)
    from web import api
    from web.tokens import bp as tokens_bp

    app.register_blueprint(tokens_bp)
    from web.reports import bp as reports_bp

    app.register_blueprint(reports_bp)
    from web.credit_public import PUBLIC_RATE_LIMIT
    from web.credit_public import bp as credit_public_bp

    rate_limits.limiter_of(app).limit(PUBLIC_RATE_LIMIT)(credit_public_bp)
    app.register_blueprint(credit_public_bp)
    from web.credit import bp as credit_bp

    app.register_blueprint(credit_bp)
    from web.register import bp as register_bp

    app.register_blueprint(register_bp)
    from web.inspection import PUBLIC_RATE_LIMIT as INSPECTION_PUBLIC_LIMIT
    from web.inspection import bp as inspection_bp
    from web.inspection import public_bp as inspection_public_bp

    app.register_blueprint(inspection_bp)
    rate_limits.limiter_of(app).limit(INSPECTION_PUBLIC_LIMIT)(inspection_public_bp)
    app.register_blueprint(inspection_public_bp)
    from web import runstate
    from web.runstate import metrics as runstate_metrics

    app.register_blueprint(runstate.bp)
    runstate_metrics.init_app(app)
    from web.emergency import bp as emergency_bp

    app.register_blueprint(emergency_bp)
    from web.exchange import bp as exchange_bp

    app.register_blueprint(exchange_bp)
    from web.datacheck import bp as datacheck_bp

    app.register_blueprint(datacheck_bp)
    from web.risk import bp as risk_bp

    app.register_blueprint(risk_bp)
    from web.inspection import onsite as inspection_onsite
    from web.inspection import results as inspection_results

    app.register_blueprint(inspection_onsite.bp)
    rate_limits.limiter_of(app).limit(inspection_results.PUBLIC_RATE_LIMIT)(inspection_results.bp)
    app.register_blueprint(inspection_results.bp)
    api.init_app(app)
