"""Messages to people outside the API (a password reset link), behind one small interface.

A `Notifier` delivers a `Notification`. Built in: `console` (writes messages to the
`aidbridge.notifications` log; for development) and `smtp` (standard-library smtplib,
STARTTLS or SSL, optional login). A package adds one by registering a factory under the
entry-point group `aidbridge.notifiers`; `AIDBRIDGE_NOTIFIER` names the one to use."""

from api.notifications.base import Notification, Notifier, NotifierFactory
from api.notifications.registry import (
    ENTRY_POINT_GROUP,
    UnknownNotifierError,
    check_notifier,
    deliver_after_commit,
    notifier_for,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Notification",
    "Notifier",
    "NotifierFactory",
    "UnknownNotifierError",
    "check_notifier",
    "deliver_after_commit",
    "notifier_for",
]
