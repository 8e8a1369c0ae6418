"""The texts of the messages the platform sends, in the recipient's language."""

from __future__ import annotations

from api.core.i18n import N_, Translator
from api.notifications.base import Notification

PASSWORD_RESET = "password_reset"  # noqa: S105  (a kind of message, not a secret)

RESET_SUBJECT = N_("Reset your {instance} password")
RESET_GREETING = N_("Hello {name},")
RESET_BODY = N_(
    "Someone, probably you, asked to reset the password of your {instance} account. "
    "To choose a new password, open this link within one hour:"
)
RESET_FOOTER = N_(
    "The link works only once. If you did not ask for this, ignore this message: your "
    "password stays as it is."
)


def password_reset_notification(
    translator: Translator,
    *,
    recipient: str,
    recipient_name: str | None,
    instance_name: str,
    link: str,
) -> Notification:
    greeting = translator.gettext(RESET_GREETING, name=recipient_name) if recipient_name else None
    paragraphs = [
        *([greeting] if greeting else []),
        translator.gettext(RESET_BODY, instance=instance_name),
        link,
        translator.gettext(RESET_FOOTER),
    ]
    return Notification(
        kind=PASSWORD_RESET,
        recipient=recipient,
        recipient_name=recipient_name,
        locale=translator.locale,
        subject=translator.gettext(RESET_SUBJECT, instance=instance_name),
        body="\n\n".join(paragraphs) + "\n",
        links={"reset": link},
    )
