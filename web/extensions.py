"""Extensions created unbound and attached in :func:`web.create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# One limiter for the whole app (login attempts, API tokens); limits are declared where they apply.
limiter = Limiter(key_func=get_remote_address)
