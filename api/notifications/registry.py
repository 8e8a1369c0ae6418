"""Choosing the notifier, checking it at start-up, and delivering after commit."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from api.core.settings import ConfigError, Settings
from api.notifications.base import Notification, Notifier, NotifierFactory

ENTRY_POINT_GROUP = "aidbridge.notifiers"
CONSOLE = "console"
SMTP = "smtp"
_PENDING_KEY = "aidbridge.notifications.pending"

log = logging.getLogger("aidbridge.notifications")

_notifiers: dict[Any, Notifier] = {}
_lock = threading.Lock()
_executor: concurrent.futures.ThreadPoolExecutor | None = None
_in_flight: set[concurrent.futures.Future[None]] = set()


class UnknownNotifierError(LookupError):
    """No notifier is registered under the configured name."""


def _console(settings: Settings) -> Notifier:
    from api.notifications.console import ConsoleNotifier

    return ConsoleNotifier(settings)


def _smtp(settings: Settings) -> Notifier:
    from api.notifications.smtp import SmtpNotifier

    return SmtpNotifier(settings)


def _factories() -> Mapping[str, Callable[[], NotifierFactory]]:
    found: dict[str, Callable[[], NotifierFactory]] = {
        CONSOLE: lambda: _console,
        SMTP: lambda: _smtp,
    }
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.load)
    return found


def notifier_for(settings: Settings) -> Notifier:
    """The configured notifier, built once per configuration."""
    config = settings.notifications
    key = (config, settings.environment)
    with _lock:
        notifier = _notifiers.get(key)
        if notifier is None:
            factories = _factories()
            if config.notifier not in factories:
                known = ", ".join(sorted(factories))
                raise UnknownNotifierError(
                    f"no notifier named {config.notifier!r} (known: {known})"
                )
            notifier = factories[config.notifier]()(settings)
            if not isinstance(notifier, Notifier):
                raise UnknownNotifierError(f"{config.notifier!r} did not build a Notifier")
            _notifiers[key] = notifier
        return notifier


def check_notifier(settings: Settings) -> None:
    """Fail at start-up, in one line, when messages could not reach anyone as configured."""
    config = settings.notifications
    if settings.is_production:
        if config.notifier == CONSOLE and not config.allow_console:
            raise ConfigError(
                "AIDBRIDGE_NOTIFIER",
                "the console notifier only writes messages to the log, so nobody would "
                "receive a password reset link: use smtp or a plugin in production, or set "
                "AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER=true to accept that",
            )
        if config.notifier != CONSOLE and config.public_url is None:
            raise ConfigError(
                "AIDBRIDGE_PUBLIC_URL",
                "is required when AIDBRIDGE_ENV=production: links in messages start with it",
            )
        smtp = config.smtp
        if smtp is not None and smtp.security == "none" and smtp.username is not None:
            raise ConfigError(
                "AIDBRIDGE_SMTP_SECURITY",
                "'none' would send the SMTP password unencrypted: use starttls or ssl",
            )
    try:
        notifier_for(settings)
    except UnknownNotifierError as error:
        raise ConfigError("AIDBRIDGE_NOTIFIER", str(error)) from None


def public_url(settings: Settings) -> str:
    """Where the frontend lives, without a trailing slash (in development, this server)."""
    return settings.notifications.public_url or f"http://127.0.0.1:{settings.port}"


def deliver_after_commit(session: Session, settings: Settings, notification: Notification) -> None:
    """Send `notification` once the session's transaction has committed, from a background
    thread: a message about a change that was rolled back is never sent, and the answer to
    the request does not wait for (or reveal anything through) the mail server."""
    notifier = notifier_for(settings)
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_rollback", _drop_pending)
    session.info.setdefault(_PENDING_KEY, []).append((notifier, notification))


def _send_pending(session: Session) -> None:
    # The listeners stay on the (per-request) session: removing one while SQLAlchemy
    # iterates its listeners is not allowed, and with nothing pending they do nothing.
    for notifier, notification in session.info.pop(_PENDING_KEY, None) or []:
        _submit(notifier, notification)


def _drop_pending(session: Session) -> None:
    # Fired by a rollback of the whole transaction, not of a savepoint.
    session.info.pop(_PENDING_KEY, None)


def _submit(notifier: Notifier, notification: Notification) -> None:
    global _executor
    with _lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=2, thread_name_prefix="aidbridge-notify"
            )
        future = _executor.submit(_deliver, notifier, notification)
        _in_flight.add(future)
    future.add_done_callback(_in_flight.discard)


def _deliver(notifier: Notifier, notification: Notification) -> None:
    try:
        notifier.send(notification)
    except Exception:
        # No recipient, no body: the links in it are credentials.
        log.exception("a %s notification could not be delivered", notification.kind)


def wait_for_deliveries(timeout: float = 10.0) -> bool:
    """Block until messages handed over so far are delivered (or failed); False on
    timeout. For commands that exit right after sending, and for tests."""
    with _lock:
        futures = set(_in_flight)
    _done, not_done = concurrent.futures.wait(futures, timeout=timeout)
    return not not_done
