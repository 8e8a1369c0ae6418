"""The default notifier: messages go to the log, so a developer can click the link."""

from __future__ import annotations

import logging

from api.core.settings import Settings
from api.notifications.base import Notification

log = logging.getLogger("aidbridge.notifications")


class ConsoleNotifier:
    """Writes each message to the `aidbridge.notifications` logger.

    For development: the message, link included, is in the log. In production start-up
    refuses it unless AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER is set, and even then it logs the
    message with its links withheld: a log is no place for a working reset token, and
    with this notifier nobody receives one."""

    def __init__(self, settings: Settings) -> None:
        self.withhold_links = settings.is_production

    def send(self, notification: Notification) -> None:
        body = notification.redacted_body() if self.withhold_links else notification.body
        log.info(
            "%s to %s (%s)\nSubject: %s\n\n%s",
            notification.kind,
            notification.recipient,
            notification.locale,
            notification.subject,
            body,
        )
