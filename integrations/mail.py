"""E-mail through a configurable SMTP server: the :class:`~engine.notifications.centre.Notifier` for production.

Settings (``ECOLOOP_SMTP_*``): ``HOST`` (mail is off without it), ``PORT`` (25),
``USER`` and ``PASSWORD`` (log in when set), ``FROM`` (sender address),
``SECURITY`` (``none``, ``starttls`` or ``ssl``; default ``none``), ``TIMEOUT``
(seconds, 10). ``ECOLOOP_BASE_URL`` puts absolute links into the mails.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from engine.errors import InvalidInput
from engine.notifications.centre import DeliveryFailed, Mail

SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str = "ecoloop@localhost"
    security: str = "none"
    timeout: float = 10.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> SmtpSettings | None:
        """Read ``SMTP_*`` keys (without the ``ECOLOOP_`` prefix); None when no host is configured.

        :raises InvalidInput: naming a key whose value cannot be used.
        """
        host = raw.get("SMTP_HOST", "").strip()
        if not host:
            return None
        security = raw.get("SMTP_SECURITY", "none").strip().lower() or "none"
        if security not in SECURITY:
            raise InvalidInput("ECOLOOP_SMTP_SECURITY must be none, starttls or ssl",
                               fields={"SMTP_SECURITY": [f"{security!r} is not one of {', '.join(SECURITY)}"]})
        try:
            port = int(raw.get("SMTP_PORT", "") or (465 if security == "ssl" else 25))
            timeout = float(raw.get("SMTP_TIMEOUT", "") or 10)
        except ValueError:
            raise InvalidInput("ECOLOOP_SMTP_PORT / ECOLOOP_SMTP_TIMEOUT must be numbers",
                               fields={"SMTP_PORT": ["须为数字 (a number)"]}) from None
        return cls(host=host, port=port, username=raw.get("SMTP_USER", ""), password=raw.get("SMTP_PASSWORD", ""),
                   sender=raw.get("SMTP_FROM", "") or f"ecoloop@{host}", security=security, timeout=timeout)


class SmtpNotifier:
    """One SMTP connection per mail: notifications are few, and a broken connection never lingers."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, mail: Mail) -> None:
        """:raises DeliveryFailed: when the server cannot be reached or refuses the mail."""
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self.settings.sender.rpartition("@")[2] or None)
        message.set_content(mail.body, charset="utf-8")
        try:
            with self._connect() as client:
                if self.settings.username:
                    client.login(self.settings.username, self.settings.password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.settings.host}:{self.settings.port}: {exc}") from None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=ssl.create_default_context())
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client


def notifier_from(raw: Mapping[str, str]) -> SmtpNotifier | None:
    """The notifier for these settings, or None when mail is not configured."""
    settings = SmtpSettings.from_mapping(raw)
    return SmtpNotifier(settings) if settings else None
