"""Donations as GraphQL sees them: the donation (for its donor and admins), its localized
receipt, the public wall entry (no personal data of anonymous donors), payment
instructions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, Self

import strawberry
from strawberry import relay

from api.core.i18n import N_
from api.core.money import format_money
from api.donation import loaders
from api.donation.models import Donation as DonationRow
from api.donation.models import TargetKind
from api.donation.targets import source_for
from api.graphql.context import Context
from api.graphql.dates import formatted_day_field
from api.graphql.money import MinorUnits, Money
from api.graphql.nodes import LoadedNode
from api.payments.base import Instructions
from api.receipts.html import receipt_html

ANONYMOUS_NAME = N_("Anonymous")
GENERIC_TITLES = {
    TargetKind.GENERAL_FUND: N_("General fund"),
    TargetKind.HELP_REQUEST: N_("A help request"),
    TargetKind.PROJECT: N_("A project"),
    TargetKind.CAMPAIGN: N_("A crowdfunding campaign"),
}


@strawberry.enum(description="Where a donation is in its life.")
class DonationStatus(Enum):
    PENDING = strawberry.enum_value(
        "PENDING", description="Waiting for the money (reconciliation or the gateway)."
    )
    RECEIVED = strawberry.enum_value(
        "RECEIVED", description="The money arrived; the receipt is issued."
    )
    FAILED = strawberry.enum_value("FAILED", description="The gateway reported a failed payment.")
    REFUNDED = strawberry.enum_value("REFUNDED", description="The money was given back.")


@strawberry.enum(description="What a donation goes to.")
class DonationTargetKind(Enum):
    HELP_REQUEST = strawberry.enum_value("HELP_REQUEST", description="A household's request.")
    PROJECT = strawberry.enum_value("PROJECT", description="A poverty-alleviation project.")
    CAMPAIGN = strawberry.enum_value("CAMPAIGN", description="A crowdfunding campaign.")
    GENERAL_FUND = strawberry.enum_value(
        "GENERAL_FUND", description="The instance's general fund, allocated where needed."
    )


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=MinorUnits(amount_minor), currency=currency)


def _target_title(context: Context, rows: Iterable[DonationRow], row: DonationRow) -> str:
    found = loaders.target_title.many(
        context, [(r.target_kind, r.target_id) for r in rows if r.target_id is not None]
    )
    title = found.get((row.target_kind, row.target_id)) if row.target_id is not None else None
    return title or context.translator.gettext(GENERIC_TITLES[TargetKind(row.target_kind)])


def _target_global_id(row: DonationRow) -> relay.GlobalID | None:
    source = source_for(TargetKind(row.target_kind))
    if source is None or row.target_id is None:
        return None
    return relay.GlobalID(source.type_name, str(row.target_id))


@strawberry.type(description="What a donation goes to.")
class DonationTarget:
    row: strawberry.Private[DonationRow]
    page: strawberry.Private[list[DonationRow]]

    @strawberry.field(description="The kind of target.")
    def kind(self) -> DonationTargetKind:
        return DonationTargetKind[self.row.target_kind]

    @strawberry.field(description="The target's global ID; null for the general fund.")
    def id(self) -> relay.GlobalID | None:
        return _target_global_id(self.row)

    @strawberry.field(
        description='The target\'s public title, or a generic one ("A help request") when '
        "the target is no longer public; localized."
    )
    def title(self, info: strawberry.Info[Context, Any]) -> str:
        return _target_title(info.context, self.page, self.row)


@strawberry.type(
    description=(
        "A donation receipt, localized to the request's locale. Render the fields (JSON) "
        "or show `html`, a self-contained, escaped HTML fragment."
    )
)
class DonationReceipt:
    row: strawberry.Private[DonationRow]
    page: strawberry.Private[list[DonationRow]]

    @strawberry.field(description="Receipt number, sequential per year: 2026-000123.")
    def number(self) -> str:
        return self.row.receipt_number or ""

    @strawberry.field(description="When the money was received (UTC).")
    def issued_at(self) -> datetime:
        assert self.row.received_at is not None
        return self.row.received_at

    @strawberry.field(description="The day it was received, formatted for the locale.")
    def issued_on(self, info: strawberry.Info[Context, Any]) -> str:
        assert self.row.received_at is not None
        return info.context.translator.datetime_as_date(
            self.row.received_at, "long", info.context.settings.instance.timezone
        )

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="The amount formatted for the locale, e.g. $10.50.")
    def amount_formatted(self, info: strawberry.Info[Context, Any]) -> str:
        return format_money(self.row.amount_minor, self.row.currency, info.context.locale)

    @strawberry.field(description='The donor\'s name, or "Anonymous" (localized) if none.')
    def donor_name(self, info: strawberry.Info[Context, Any]) -> str:
        return self.row.donor_name or info.context.translator.gettext(ANONYMOUS_NAME)

    @strawberry.field(description="What the donation went to (public title), localized.")
    def target_title(self, info: strawberry.Info[Context, Any]) -> str:
        return _target_title(info.context, self.page, self.row)

    @strawberry.field(description="The organisation issuing the receipt (this instance).")
    def issuer(self, info: strawberry.Info[Context, Any]) -> str:
        return info.context.settings.instance.name

    @strawberry.field(description="The locale the receipt is written in, e.g. zh_Hans.")
    def locale(self, info: strawberry.Info[Context, Any]) -> str:
        return info.context.locale

    @strawberry.field(description="True when the donation was refunded after the receipt.")
    def refunded(self) -> bool:
        return self.row.refunded_at is not None

    @strawberry.field(description="The receipt as an HTML fragment; every value is escaped.")
    def html(self, info: strawberry.Info[Context, Any]) -> str:
        locale = info.context.locale
        _ = info.context.translator.gettext
        rows = [
            (_("Receipt number"), self.number()),
            (_("Date"), self.issued_on(info)),
            (_("Amount"), self.amount_formatted(info)),
            (_("Donor"), self.donor_name(info)),
            (_("For"), self.target_title(info)),
        ]
        if self.refunded():
            rows.append((_("Status"), _("Refunded")))
        return receipt_html(
            css_class="donation-receipt",
            locale=locale,
            heading=_("Donation receipt"),
            issuer=self.issuer(info),
            rows=rows,
            closing=_("Thank you for your donation."),
        )


@strawberry.type(description="A donation: seen by its donor (logged in) and by admins.")
class Donation(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[DonationRow]
    page: strawberry.Private[list[DonationRow]]

    @strawberry.field(description="Where the donation is in its life.")
    def status(self) -> DonationStatus:
        return DonationStatus[self.row.status]

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="What it goes to.")
    def target(self) -> DonationTarget:
        return DonationTarget(row=self.row, page=self.page)

    @strawberry.field(description="True when the donor's name is hidden on the public wall.")
    def anonymous(self) -> bool:
        return self.row.anonymous

    @strawberry.field(description="The donor's name as given (shown on the receipt).")
    def donor_name(self) -> str | None:
        return self.row.donor_name

    @strawberry.field(description="The donor's message, at most 500 characters.")
    def message(self) -> str | None:
        return self.row.message

    @strawberry.field(description="The payment provider's name, e.g. offline.")
    def provider(self) -> str:
        return self.row.provider

    @strawberry.field(description="The reference to quote when paying (e.g. PAY-7QK2M9XA).")
    def payment_reference(self, info: strawberry.Info[Context, Any]) -> str:
        found = loaders.payment_reference.many(info.context, [r.payment_id for r in self.page])
        return str(found.get(self.row.payment_id, ""))

    @strawberry.field(description="The receipt number, once the money was received.")
    def receipt_number(self) -> str | None:
        return self.row.receipt_number

    @strawberry.field(description="When the donation was made.")
    def created_at(self) -> datetime:
        return self.row.created_at

    created_at_formatted = formatted_day_field(lambda self: self.row.created_at, of="createdAt")

    @strawberry.field(description="When the money was received.")
    def received_at(self) -> datetime | None:
        return self.row.received_at

    @strawberry.field(description="When the money was given back.")
    def refunded_at(self) -> datetime | None:
        return self.row.refunded_at

    @strawberry.field(description="The receipt, once the money was received; else null.")
    def receipt(self) -> DonationReceipt | None:
        if self.row.receipt_number is None:
            return None
        return DonationReceipt(row=self.row, page=self.page)

    @strawberry.field(
        description="How much of this gift has been paid out to beneficiaries so far "
        "(disbursements from the fund it went to), in its currency; 0 before. A fund's "
        "payouts are attributed to its received donations first in, first out: the oldest "
        "received donation not yet paid out is paid out first, so gifts reach their target "
        "in the order they arrived. Money the fund holds from elsewhere and refunded "
        "donations take no part."
    )
    def disbursed(self) -> Money:
        return _money(self.row.disbursed_minor, self.row.currency)

    @strawberry.field(
        description="When the whole gift had been paid out to beneficiaries (see "
        "`disbursed`); null until then."
    )
    def reached_target_at(self) -> datetime | None:
        return self.row.reached_target_at

    @classmethod
    def from_rows(cls, rows: list[DonationRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        """Yours (logged in) or any for admins; others are null."""
        rows = list(loaders.donation.many(context, keys).values())
        return {node.id: node for node in cls.from_rows(rows)}


def prime_payment_references(context: Context, references: dict[int, str]) -> None:
    """Cache payment references a list loaded with its rows (by payment id)."""
    loaders.payment_reference.prime(context, references)


@strawberry.type(
    description=(
        'A received donation on the public wall. Anonymous donors appear as "Anonymous" '
        "with no message: nothing about them is shown."
    )
)
class DonationWallEntry:
    row: strawberry.Private[DonationRow]
    page: strawberry.Private[list[DonationRow]]

    @strawberry.field(description='The donor\'s name, or "Anonymous" (localized).')
    def donor_name(self, info: strawberry.Info[Context, Any]) -> str:
        if self.row.anonymous or not self.row.donor_name:
            return info.context.translator.gettext(ANONYMOUS_NAME)
        return self.row.donor_name

    @strawberry.field(description="The amount given.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(description="What it went to.")
    def target_kind(self) -> DonationTargetKind:
        return DonationTargetKind[self.row.target_kind]

    @strawberry.field(description="The target's public title, or a generic one, localized.")
    def target_title(self, info: strawberry.Info[Context, Any]) -> str:
        return _target_title(info.context, self.page, self.row)

    @strawberry.field(description="When the money was received.")
    def received_at(self) -> datetime:
        assert self.row.received_at is not None
        return self.row.received_at

    received_at_formatted = formatted_day_field(lambda self: self.row.received_at, of="receivedAt")

    @strawberry.field(description="The donor's message; always null for anonymous donors.")
    def message(self) -> str | None:
        return None if self.row.anonymous else self.row.message


@strawberry.type(description="How to pay a pending donation.")
class PaymentInstructions:
    provider: str = strawberry.field(description="The payment provider's name.")
    reference: str = strawberry.field(
        description="The payment reference: quote it on a transfer; gateways send it back."
    )
    text: str | None = strawberry.field(
        description="What to do, in the request's locale (offline: where to pay)."
    )
    checkout_id: str | None = strawberry.field(
        description="The gateway's checkout session id (callback providers)."
    )
    checkout_url: str | None = strawberry.field(
        description="Where to send the payer to pay (callback providers), if configured."
    )

    @classmethod
    def of(cls, instructions: Instructions) -> Self:
        return cls(
            provider=instructions.provider,
            reference=instructions.reference,
            text=instructions.text,
            checkout_id=instructions.checkout_id,
            checkout_url=instructions.checkout_url,
        )


@strawberry.type(description="A payment provider this instance accepts.")
class PaymentProviderInfo:
    name: str = strawberry.field(description="The provider's name, used in donationCreate.")
    confirmed_by_callback: bool = strawberry.field(
        description="True when a gateway confirms payments; false when an admin "
        "reconciles them by hand."
    )


@strawberry.type(description="Debits and credits of the whole ledger in one currency.")
class LedgerCurrencyTotals:
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    debits: Money = strawberry.field(description="Sum of all debit entries.")
    credits: Money = strawberry.field(description="Sum of all credit entries.")
    balanced: bool = strawberry.field(description="True when debits equal credits (always).")
