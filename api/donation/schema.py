"""GraphQL queries and mutations of the donation section."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import Role
from api.donation import queries, service
from api.donation.models import Donation as DonationRow
from api.donation.models import DonationStatus as DonationStatusValue
from api.donation.models import TargetKind
from api.donation.targets import accepting_target, account_for, source_for
from api.donation.types import (
    Donation,
    DonationStatus,
    DonationWallEntry,
    LedgerCurrencyTotals,
    PaymentInstructions,
    PaymentProviderInfo,
    prime_payment_references,
)
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_int_id
from api.graphql.money import MinorUnits, Money, MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.ledger import service as ledger
from api.payments.base import Confirmation
from api.payments.registry import get_provider, provider_names

MANAGERS = (Role.PLATFORM_ADMIN, Role.ORGANISATION_ADMIN)
KEY_DESCRIPTION = (
    "A unique key per intended operation (a UUID); retrying with the same key and input "
    "returns the first result, with another input it is IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(
    description="What to give to: exactly one of helpRequest, project, campaign, or "
    "generalFund: true."
)
class DonationTargetInput:
    help_request: relay.GlobalID | None = strawberry.field(
        default=None, description="A public help request for money, OPEN or PLEDGED."
    )
    project: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A public project: donationCreate and fundBalance take ACTIVE ones "
        "(COMPLETED is INVALID_STATE, others NOT_FOUND), in the project's budget currency.",
    )
    campaign: relay.GlobalID | None = strawberry.field(
        default=None,
        description="donationCreate and fundBalance refuse it with INVALID_STATE (campaigns "
        "are backed with campaignBack); fundTotals reads what a public campaign released to "
        "its beneficiary.",
    )
    general_fund: bool = strawberry.field(
        default=False, description="True to give to the general fund."
    )


def decode_target(target: DonationTargetInput) -> tuple[TargetKind, int | None]:
    chosen = [
        (kind, value)
        for kind, value in (
            (TargetKind.HELP_REQUEST, target.help_request),
            (TargetKind.PROJECT, target.project),
            (TargetKind.CAMPAIGN, target.campaign),
        )
        if value is not None
    ]
    if len(chosen) + int(target.general_fund) != 1:
        raise ServiceError(ErrorCode.INVALID, field="target")
    if target.general_fund:
        return TargetKind.GENERAL_FUND, None
    kind, global_id = chosen[0]
    source = source_for(kind)
    if source is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    return kind, decode_int_id(global_id, source.type_name, field="target")


@strawberry.input(description="A donation to make.")
class DonationCreateInput:
    target: DonationTargetInput = strawberry.field(description="What to give to.")
    amount: MoneyInput = strawberry.field(
        description="How much, following the instance's money rule like every money input: "
        "a currency of InstanceInfo.currencies (else CURRENCY_MISMATCH, or INVALID for a code "
        "that is not money, on `amount.currency`) and 1 to InstanceInfo.maxAmountMinor minor "
        "units (else OUT_OF_RANGE on `amount.amountMinor`). A help request or project takes "
        "its own currency only (else CURRENCY_MISMATCH naming it)."
    )
    provider: str = strawberry.field(
        description="How to pay: a name from `paymentProviders` (offline, webhook...)."
    )
    anonymous: bool = strawberry.field(
        default=False,
        description="Hide your name and message on the public donation wall.",
    )
    donor_name: str | None = strawberry.field(
        default=None,
        description="The name for the receipt (and the wall unless anonymous), at most 120 "
        "characters. Defaults to your account's name; required for named gifts without "
        "an account.",
    )
    message: str | None = strawberry.field(
        default=None, description="A message to the recipients, at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="An offline donation whose money arrived.")
class DonationReconcileInput:
    donation: relay.GlobalID = strawberry.field(description="The PENDING offline donation.")
    external_reference: str = strawberry.field(
        description="The bank, cash-book or mobile-money reference, at most 200 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="A received donation to give back.")
class DonationRefundInput:
    donation: relay.GlobalID = strawberry.field(
        description="The RECEIVED donation; INVALID_STATE once any of it was paid out "
        "(`Donation.disbursed`)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why, for the ledger's memo; at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.type(description="Result of donationCreate.")
class DonationCreatePayload:
    donation: Donation | None = strawberry.field(description="The donation, unless errors.")
    payment_instructions: PaymentInstructions | None = strawberry.field(
        description="How to pay it, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(
    description="Which donations to list for reconciliation; every condition given must hold."
)
class DonationFilter:
    status: DonationStatus | None = strawberry.field(
        default=None,
        description="Only donations in this status (PENDING: money still to be matched).",
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Only donations made at or after this moment."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Only donations made before this moment."
    )
    payment_reference: str | None = strawberry.field(
        default=None,
        description="Only the donation with this payment reference (PAY-..., what donors "
        "quote on a transfer), matched exactly, ignoring case and surrounding spaces.",
    )

    def criteria(self) -> queries.ReconciliationCriteria:
        return queries.ReconciliationCriteria(
            status=DonationStatusValue[self.status.name] if self.status else None,
            created_from=_utc(self.created_from),
            created_before=_utc(self.created_before),
            payment_reference=self.payment_reference,
        )


def _utc(moment: datetime | None) -> datetime | None:
    """A moment given without an offset is taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@strawberry.type(description="Result of a donation mutation.")
class DonationPayload:
    donation: Donation | None = strawberry.field(
        description="The donation as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _node(row: DonationRow | None) -> Donation | None:
    return Donation.from_rows([row])[0] if row is not None else None


def _donation_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "Donation", field="donation")


@strawberry.type
class DonationQueries:
    @strawberry.field(
        description=(
            "A donation by receipt number: yours (logged in) or any for admins; or anyone's "
            "who also gives its payment reference. Null if not found or not visible."
        )
    )
    def donation(
        self,
        info: strawberry.Info[Context, Any],
        receipt_number: Annotated[str, strawberry.argument(description="E.g. 2026-000123.")],
        payment_reference: Annotated[
            str | None,
            strawberry.argument(description="The donation's payment reference (PAY-...)."),
        ] = None,
    ) -> Donation | None:
        context = info.context
        row = service.donation_by_receipt(
            context.session, context.principal, receipt_number, payment_reference
        )
        return _node(row)

    @strawberry.field(
        description=(
            "A donation by its ID and its payment reference together, for anyone who holds "
            "both: what a donor without an account keeps from donationCreate, so they can "
            "follow it from pending to received (when `receiptNumber` appears) without "
            "logging in. Null when they do not belong together."
        )
    )
    def donation_by_payment_reference(
        self,
        info: strawberry.Info[Context, Any],
        id: Annotated[relay.GlobalID, strawberry.argument(description="The donation's ID.")],
        payment_reference: Annotated[
            str, strawberry.argument(description="Its payment reference (PAY-...).")
        ],
    ) -> Donation | None:
        row = service.donation_by_payment_reference(
            info.context.session, _donation_pk(id), payment_reference
        )
        return _node(row)

    @strawberry.field(
        description="Your donations, newest first (donor history).", extensions=requires()
    )
    def my_donations(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Donation]:
        context = info.context
        page = queries.list_my_donations(
            context.session, context.principal, first=first, after=after
        )
        return page_connection(page, Donation.from_rows(page.rows))

    @strawberry.field(
        description=(
            "Every donation, newest first, pending ones included, for reconciliation: "
            "search by status, date range and payment reference. Platform admins; others "
            "get FORBIDDEN or UNAUTHENTICATED. A constant number of statements per page."
        ),
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def donations(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            DonationFilter | None,
            strawberry.argument(description="Conditions the donations must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Donation]:
        context = info.context
        criteria = filter.criteria() if filter else queries.ReconciliationCriteria()
        page = queries.list_donations(context.session, criteria, first=first, after=after)
        # The page's payment references came with it: its fields need no more statements.
        prime_payment_references(context, page.extra[queries.PAYMENT_REFERENCES])
        return page_connection(page, Donation.from_rows(page.rows))

    @strawberry.field(
        description=(
            "Received donations, newest first, for everyone to see. Anonymous donors show "
            'as "Anonymous" without their message.'
        )
    )
    def donation_wall(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[DonationWallEntry]:  # type: ignore[type-var]
        # Wall entries are deliberately not nodes: no ID leads from the wall to a donation.
        page = queries.list_donation_wall(info.context.session, first=first, after=after)
        return page_connection(
            page, [DonationWallEntry(row=row, page=page.rows) for row in page.rows]
        )

    @strawberry.field(
        description=(
            "Money held for a target now (received minus refunded and paid out), per "
            "currency. Targets must take donations (a public money request, the general "
            "fund...); else an error with code NOT_FOUND or INVALID_STATE."
        )
    )
    def fund_balance(
        self,
        info: strawberry.Info[Context, Any],
        target: Annotated[DonationTargetInput, strawberry.argument(description="Which fund.")],
    ) -> list[Money]:
        session = info.context.session
        kind, target_id = decode_target(target)
        accepting_target(session, kind, target_id)
        held = ledger.balances(session, account_for(kind, target_id))
        return [Money(amount_minor=MinorUnits(v), currency=c) for c, v in held.items() if v]

    @strawberry.field(
        description="Sum of debits and credits per currency over the whole ledger. Admins.",
        extensions=requires(Role.PLATFORM_ADMIN),
    )
    def ledger_totals(self, info: strawberry.Info[Context, Any]) -> list[LedgerCurrencyTotals]:
        return [
            LedgerCurrencyTotals(
                currency=t.currency,
                debits=Money(amount_minor=MinorUnits(t.debits_minor), currency=t.currency),
                credits=Money(amount_minor=MinorUnits(t.credits_minor), currency=t.currency),
                balanced=t.balanced,
            )
            for t in ledger.trial_balance(info.context.session)
        ]

    @strawberry.field(description="The payment providers you can choose when donating.")
    def payment_providers(self, info: strawberry.Info[Context, Any]) -> list[PaymentProviderInfo]:
        settings = info.context.settings
        providers = [get_provider(name) for name in provider_names()]
        return [
            PaymentProviderInfo(
                name=p.name, confirmed_by_callback=p.confirmation == Confirmation.CALLBACK
            )
            for p in providers
            if p.is_available(settings)
        ]


@strawberry.type
class DonationMutations:
    @strawberry.mutation(
        description=(
            "Give money to a help request, project, campaign or the general fund; anyone, "
            "logged in or not. The donation is PENDING until the money arrives; follow "
            "`paymentInstructions`."
        )
    )
    def donation_create(
        self, info: strawberry.Info[Context, Any], input: MutationInput[DonationCreateInput]
    ) -> DonationCreatePayload:
        context = info.context

        def create() -> service.Created:
            kind, target_id = decode_target(input.target)
            return service.create_donation(
                context.session,
                actor=context.principal,
                settings=context.settings,
                data=service.DonationInput(
                    target_kind=kind,
                    target_id=target_id,
                    amount_minor=input.amount.amount_minor,
                    currency=input.amount.currency,
                    provider=input.provider,
                    anonymous=input.anonymous,
                    donor_name=input.donor_name,
                    message=input.message,
                    idempotency_key=input.idempotency_key,
                ),
            )

        created, errors = run_service(info, create)
        if created is None:
            return DonationCreatePayload(donation=None, payment_instructions=None, errors=errors)
        instructions = get_provider(created.payment.provider).instructions(
            created.payment, context.settings, context.locale
        )
        return DonationCreatePayload(
            donation=_node(created.donation),
            payment_instructions=PaymentInstructions.of(instructions),
            errors=[],
        )

    @strawberry.mutation(
        description=(
            "Record that an offline donation's money arrived, with the bank or cash "
            "reference: the ledger is posted and the receipt issued. Platform admins, and "
            "organisation admins for targets their organisation runs."
        ),
        extensions=requires(*MANAGERS),
    )
    def donation_reconcile(
        self, info: strawberry.Info[Context, Any], input: MutationInput[DonationReconcileInput]
    ) -> DonationPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.reconcile_donation(
                context.session,
                actor=context.principal,
                donation_id=_donation_pk(input.donation),
                external_reference=input.external_reference,
                idempotency_key=input.idempotency_key,
            ),
        )
        return DonationPayload(donation=_node(row), errors=errors)

    @strawberry.mutation(
        description=(
            "Give a received donation back: a reversing ledger entry, refused if the "
            "target's fund no longer holds the money. Same roles as donationReconcile."
        ),
        extensions=requires(*MANAGERS),
    )
    def donation_refund(
        self, info: strawberry.Info[Context, Any], input: MutationInput[DonationRefundInput]
    ) -> DonationPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.refund_donation(
                context.session,
                actor=context.principal,
                settings=context.settings,
                donation_id=_donation_pk(input.donation),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            ),
        )
        return DonationPayload(donation=_node(row), errors=errors)
