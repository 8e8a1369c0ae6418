"""The built-in email notifier: standard-library smtplib, no extra dependency."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from api.core.settings import Settings, SmtpSettings
from api.notifications.base import Notification

TIMEOUT_SECONDS = 20


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, hostname checked (a seam for tests)."""
    return ssl.create_default_context()


def _one_line(text: str | None) -> str:
    """Header text on one line: a name with a line break must not add a header."""
    return " ".join((text or "").split())


class SmtpNotifier:
    """One connection per message: resets are rare, and a long-lived connection would
    need keep-alive and reconnection logic for no gain."""

    def __init__(self, settings: Settings) -> None:
        smtp = settings.notifications.smtp
        assert smtp is not None, "AIDBRIDGE_NOTIFIER=smtp needs AIDBRIDGE_SMTP_HOST"
        self.config: SmtpSettings = smtp

    def message(self, notification: Notification) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = formataddr((_one_line(notification.recipient_name), notification.recipient))
        mail["Subject"] = _one_line(notification.subject)
        mail["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.config.sender)[1].rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(domain=domain)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        mail.set_content(notification.body)
        # After set_content, which replaces every Content-* header.
        mail["Content-Language"] = notification.locale.replace("_", "-")
        return mail

    def send(self, notification: Notification) -> None:
        config = self.config
        mail = self.message(notification)
        client: smtplib.SMTP
        if config.security == "ssl":
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_SECONDS, context=tls_context()
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=tls_context())
                client.ehlo()
            if config.username is not None and config.password is not None:
                client.login(config.username, config.password)
            client.send_message(mail)
