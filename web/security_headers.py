"""Security headers on every response: Content-Security-Policy, framing, MIME sniffing and referrer policy.

The policy allows only the app's own scripts, styles, fonts and XHR/fetch targets (the vendored libraries
under ``/static/vendor/`` included). No inline script and no event-handler attribute runs: page data travels in
``<script type="application/json">`` blocks (data, not script) and ``data-*`` attributes read by static JS.
``style-src-attr 'unsafe-inline'`` admits ``style=""`` attributes only, never a ``<style>`` element: ECharts (the
SVG renderer and its tooltips) writes them, 42 on the dashboard (tests/browser/test_security_headers.py fails
without it). bpmn-js (viewer and modeler), Bootstrap, htmx (its indicator ``<style>`` is switched off in
``base.html``) and Swagger UI need no inline style. ``img-src data:`` serves the SVG icons that Bootstrap's
stylesheet embeds; ``frame-src blob:`` the evidence PDF preview, shown from its fetched bytes since every
evidence file is sent as an attachment.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends (pages, API, static files, errors)."""
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Set each header unless the view chose its own value (e.g. a stricter CSP for a download)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
