"""Extensions created unbound and attached in :func:`web.create_app`."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
