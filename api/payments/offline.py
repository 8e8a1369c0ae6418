"""`offline`: bank transfer, cash or mobile money, recorded by hand. The donation, order or
backing stays pending until an admin reconciles it with the bank or cash-book reference."""

from __future__ import annotations

from api.core.i18n import N_, translator_for
from api.core.money import format_money
from api.core.settings import Settings
from api.payments.base import Confirmation, Instructions, PaymentProvider
from api.payments.config import OFFLINE_PAYMENT_DETAILS, setting
from api.payments.models import Payment

DEFAULT_DETAILS = N_("the account published by the organisation running this site")
# What the payer is told, by the payment's purpose (api/payments/service.py): each a whole
# sentence for translators, saying what the matched payment confirms.
INSTRUCTIONS = {
    "donation": N_(
        "Pay {amount} by bank transfer, cash or mobile money to {details}, quoting the "
        "reference {reference}. Your donation is confirmed once the payment is matched."
    ),
    "order": N_(
        "Pay {amount} by bank transfer, cash or mobile money to {details}, quoting the "
        "reference {reference}. Your order is confirmed once the payment is matched."
    ),
    "campaign_backing": N_(
        "Pay {amount} by bank transfer, cash or mobile money to {details}, quoting the "
        "reference {reference}. Your backing counts toward the campaign once the payment is "
        "matched."
    ),
}
# For a purpose a plugin registers without wording of its own.
GENERIC_INSTRUCTIONS = N_(
    "Pay {amount} by bank transfer, cash or mobile money to {details}, quoting the "
    "reference {reference}. Your payment is confirmed once it is matched."
)


class OfflineProvider(PaymentProvider):
    name = "offline"
    confirmation = Confirmation.RECONCILIATION

    def instructions(self, payment: Payment, settings: Settings, locale: str) -> Instructions:
        translator = translator_for(settings.instance.localisation, locale)
        details = setting(settings, OFFLINE_PAYMENT_DETAILS) or translator.gettext(DEFAULT_DETAILS)
        text = translator.gettext(
            INSTRUCTIONS.get(payment.purpose, GENERIC_INSTRUCTIONS),
            amount=format_money(payment.amount_minor, payment.currency, locale),
            details=details,
            reference=payment.reference,
        )
        return Instructions(provider=self.name, reference=payment.reference, text=text)
