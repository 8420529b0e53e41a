"""The enterprise portal (企业门户): anomalies to explain, submissions, credit, evidence, notifications."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from web.portal import views  # noqa: E402,F401
