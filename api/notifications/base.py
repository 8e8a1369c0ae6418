"""What a notifier is given and what it must do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from api.core.settings import Settings

REDACTED = "[withheld]"


@dataclass(frozen=True)
class Notification:
    """One message to one person, already written in their language.

    `links` names the addresses inside `body` (e.g. {"reset": "https://…#token=…"}): they
    may carry a one-time credential, so anything that keeps messages (a log) must store
    `redacted_body()` instead."""

    kind: str  # what it is about, e.g. "password_reset"
    recipient: str  # an email address
    recipient_name: str | None
    locale: str
    subject: str
    body: str  # plain text
    links: Mapping[str, str] = field(default_factory=dict)

    def redacted_body(self) -> str:
        text = self.body
        for link in self.links.values():
            text = text.replace(link, REDACTED)
        return text


@runtime_checkable
class Notifier(Protocol):
    """Delivers notifications. Called outside any request and database transaction, from
    a background thread, after the change the message is about has been committed; an
    exception is logged (without the message's links) and the message is lost."""

    def send(self, notification: Notification) -> None: ...


# An `aidbridge.notifiers` entry point names one of these: it gets the settings once and
# returns the notifier used for every message. Its own settings it reads from the
# environment (`Settings.extra` first), as the payment providers do.
NotifierFactory = Callable[[Settings], Notifier]
