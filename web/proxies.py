"""``X-Forwarded-For/Proto/Host/Port`` honoured only from the reverse proxies named by ``ECOLOOP_TRUSTED_PROXIES``.

The value is either a number of proxy hops in front of every request (``1`` for one nginx;
Werkzeug's ProxyFix then takes the last that many forwarded values), or a comma-separated list
of addresses and networks (``10.0.0.5, 10.1.0.0/24``): the forwarded headers of a request are
used, for one hop, only when its peer address is in that list. Unset or ``0``: the headers are
ignored, so a client cannot choose the address the log-in throttle counts or fake HTTPS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.config import ConfigError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxyFix:
    """ProxyFix for one hop, applied only to requests whose peer is a trusted proxy."""

    def __init__(self, app: WSGIApplication, networks: list[Network]) -> None:
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if _in(environ.get("REMOTE_ADDR", ""), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def _in(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def parse(value: str) -> int | list[Network]:
    """A hop count or a list of networks.

    :raises ConfigError: naming the entry that is neither.
    """
    value = value.strip()
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    networks: list[Network] = []
    for entry in (part.strip() for part in value.split(",")):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(f"ECOLOOP_TRUSTED_PROXIES: {entry!r} is neither an address nor a network") from None
    return networks


def init_app(app: Flask) -> None:
    trusted = parse(app.extensions["ecoloop.settings"].raw.get("TRUSTED_PROXIES", ""))
    wsgi: Any = app.wsgi_app
    if isinstance(trusted, int):
        if trusted:
            app.wsgi_app = ProxyFix(wsgi, x_for=trusted, x_proto=trusted, x_host=trusted, x_port=trusted,  # type: ignore[method-assign]
                                    x_prefix=trusted)
        return
    app.wsgi_app = TrustedProxyFix(wsgi, trusted)  # type: ignore[method-assign]
