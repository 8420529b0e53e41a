"""Every file EcoLoop sends, sent one way: an attachment named per RFC 6266/5987, never sniffed.

Werkzeug's ``send_file(download_name=...)`` writes ``attachment; filename="ascii-fallback";
filename*=UTF-8''percent-encoded`` for a non-ASCII name, which browsers read as the Chinese name
and which any WSGI server can encode (a raw Chinese name in a header raises ``UnicodeEncodeError``).
"""

from __future__ import annotations

from io import BytesIO
from typing import BinaryIO

from flask import Response, send_file

NOSNIFF = ("X-Content-Type-Options", "nosniff")
MODEL_XML_CSP = "sandbox; default-src 'none'"
"""A process model is data: even opened in a tab, nothing in it may run or load."""


def send_download(content: bytes | BinaryIO, filename: str, media_type: str) -> Response:
    """``content`` as a download named ``filename`` (any script, any length) of ``media_type``."""
    stream = BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(stream, mimetype=media_type, as_attachment=True, download_name=filename, max_age=0)
    response.headers.set(*NOSNIFF)
    return response


def send_model_xml(xml: str, filename: str) -> Response:
    """A BPMN model's XML as plain text to download: never rendered as XML/XHTML in the site's origin.

    The diagram viewers fetch it with ``fetch()``, which ignores the disposition.
    """
    response = send_download(xml.encode("utf-8"), filename, "text/plain; charset=utf-8")
    response.headers.set("Content-Security-Policy", MODEL_XML_CSP)
    return response
