"""GraphQL queries and mutations of the crowdfunding section."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.db import utcnow
from api.core.errors import ErrorCode, ServiceError, bad_id_error
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import Role
from api.crowdfunding import loaders, models, queries, service
from api.crowdfunding.models import Campaign as CampaignRow
from api.crowdfunding.types import Backing, Campaign, CampaignUpdate
from api.donation.types import PaymentInstructions
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.payments.registry import get_provider

ORGANISERS = (Role.ORGANISATION_ADMIN, Role.CASEWORKER, Role.PLATFORM_ADMIN)
APPROVERS = (Role.CASEWORKER, Role.PLATFORM_ADMIN)
RECONCILERS = (Role.PLATFORM_ADMIN, Role.ORGANISATION_ADMIN)
KEY_DESCRIPTION = (
    "A unique key per intended operation (a UUID); retrying with the same key and input "
    "returns the first result, with another input it is IDEMPOTENCY_KEY_REUSED."
)


@strawberry.enum(description="How to order campaigns.")
class CampaignOrder(Enum):
    NEWEST = strawberry.enum_value("NEWEST", description="Most recently created first.")
    ENDING_SOONEST = strawberry.enum_value("ENDING_SOONEST", description="Earliest deadline first.")
    MOST_FUNDED = strawberry.enum_value(
        "MOST_FUNDED",
        description="Highest share of the goal raised first (comparable across currencies).",
    )


@strawberry.input(description="Which campaigns to list; every condition given must hold.")
class CampaignFilter:
    status: list[models.CampaignStatus] | None = strawberry.field(
        default=None, description="Only campaigns in one of these statuses."
    )
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only campaigns whose target lies in this area or below it. HOUSEHOLD campaigns "
            "are located by their household: below the instance's public level they match "
            "only for callers who see the household's exact region (caseworkers covering it, "
            "platform admins), so the filter never locates a household."
        ),
    )
    target_kind: list[models.CampaignTargetKind] | None = strawberry.field(
        default=None, description="Only campaigns for one of these kinds of target."
    )


@strawberry.input(
    description="What a campaign raises money for: exactly one of project, village, household."
)
class CampaignTargetInput:
    project: relay.GlobalID | None = strawberry.field(
        default=None, description="A PLANNED or ACTIVE project you can see."
    )
    village: relay.GlobalID | None = strawberry.field(
        default=None, description="A Region at the instance's lowest level."
    )
    household: relay.GlobalID | None = strawberry.field(
        default=None, description="A household anyone may see (verified, consenting)."
    )


@strawberry.input(description="A new campaign, created as DRAFT.")
class CampaignCreateInput:
    target: CampaignTargetInput = strawberry.field(description="What the money is for.")
    title: str = strawberry.field(description="At most 200 characters.")
    description: str = strawberry.field(description="At most 5000 characters.")
    goal: MoneyInput = strawberry.field(
        description="The amount to raise; its currency is the campaign's (backings use it)."
    )
    funding_model: models.FundingModel = strawberry.field(
        description="What happens at the deadline."
    )
    deadline: datetime = strawberry.field(
        description="When backing stops: in the future, at most 366 days ahead, with a zone."
    )
    language: str | None = strawberry.field(
        default=None,
        description="The locale title and description are written in, one of the instance's "
        "locales (e.g. zh_Hans); defaults to the request's locale.",
    )


@strawberry.input(description="Changes to a DRAFT campaign; omitted fields stay as they are.")
class CampaignUpdateInput:
    campaign: relay.GlobalID = strawberry.field(description="The DRAFT campaign.")
    title: str | None = strawberry.field(default=None, description="At most 200 characters.")
    description: str | None = strawberry.field(default=None, description="At most 5000 characters.")
    goal: MoneyInput | None = strawberry.field(default=None, description="The amount to raise.")
    funding_model: models.FundingModel | None = strawberry.field(
        default=None, description="What happens at the deadline."
    )
    deadline: datetime | None = strawberry.field(
        default=None, description="When backing stops (future, at most 366 days ahead)."
    )


@strawberry.input(
    description="A campaign's title and description in one more locale. A null field shows "
    "the original; with both null the translation is removed."
)
class CampaignTranslationSetInput:
    campaign: relay.GlobalID = strawberry.field(description="The campaign to translate.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. fr, zh_Hans), not the campaign's "
        "source language."
    )
    title: str | None = strawberry.field(
        default=None, description="The translated title, at most 200 characters."
    )
    description: str | None = strawberry.field(
        default=None, description="The translated description, at most 5000 characters."
    )


@strawberry.input(description="A campaign to act on.")
class CampaignRefInput:
    campaign: relay.GlobalID = strawberry.field(description="The campaign.")


@strawberry.input(description="A decision on a SUBMITTED campaign.")
class CampaignApproveInput:
    campaign: relay.GlobalID = strawberry.field(description="The SUBMITTED campaign.")
    approve: bool = strawberry.field(
        default=True,
        description="True makes it ACTIVE (public); false returns it to DRAFT for changes.",
    )


@strawberry.input(description="An update from the organiser.")
class CampaignPostUpdateInput:
    campaign: relay.GlobalID = strawberry.field(description="The campaign.")
    title: str = strawberry.field(description="A short headline, at most 200 characters.")
    body: str = strawberry.field(description="The text, at most 5000 characters.")


@strawberry.input(description="Money for an ACTIVE campaign.")
class CampaignBackInput:
    campaign: relay.GlobalID = strawberry.field(description="The ACTIVE campaign.")
    amount: MoneyInput = strawberry.field(
        description="How much, in the campaign's currency (else CURRENCY_MISMATCH)."
    )
    provider: str = strawberry.field(
        description="How to pay: a name from `paymentProviders` (offline, webhook...)."
    )
    anonymous: bool = strawberry.field(
        default=False, description="Hide your name and message on the public backers list."
    )
    backer_name: str | None = strawberry.field(
        default=None,
        description="Your name for the backers list, at most 120 characters. Defaults to "
        "your account's name; required without an account unless anonymous.",
    )
    message: str | None = strawberry.field(
        default=None, description="A message to the campaign, at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="An offline backing whose money arrived.")
class CampaignBackingReconcileInput:
    backing: relay.GlobalID = strawberry.field(description="The PENDING offline backing.")
    external_reference: str = strawberry.field(
        description="The bank, cash-book or mobile-money reference, at most 200 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="A campaign to stop.")
class CampaignCancelInput:
    campaign: relay.GlobalID = strawberry.field(
        description="A DRAFT, SUBMITTED or ACTIVE campaign."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why, for the refunds' ledger memo; at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.type(description="Result of a campaign mutation.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(
        description="The campaign as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of campaignPostUpdate.")
class CampaignPostUpdatePayload:
    update: CampaignUpdate | None = strawberry.field(description="The update, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of campaignBack.")
class CampaignBackPayload:
    backing: Backing | None = strawberry.field(description="The backing, unless errors.")
    payment_instructions: PaymentInstructions | None = strawberry.field(
        description="How to pay it, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of campaignBackingReconcile.")
class CampaignBackingPayload:
    backing: Backing | None = strawberry.field(
        description="The backing as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _campaign_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "Campaign", field="campaign")


def _campaign_node(context: Context, row: CampaignRow | None) -> Campaign | None:
    if row is None or row.id is None:
        return None
    context.session.refresh(row)
    return Campaign(id=row.id, row=row, page=[row])


def _target(target: CampaignTargetInput) -> service.TargetRef:
    given = [v for v in (target.project, target.village, target.household) if v is not None]
    if len(given) != 1:
        raise ServiceError(ErrorCode.INVALID, field="target")
    if target.project is not None:
        return service.TargetRef(
            models.CampaignTargetKind.PROJECT,
            project_id=decode_int_id(target.project, "Project", field="target"),
        )
    if target.village is not None:
        return service.TargetRef(
            models.CampaignTargetKind.VILLAGE,
            region_id=decode_int_id(target.village, "Region", field="target"),
        )
    assert target.household is not None
    return service.TargetRef(
        models.CampaignTargetKind.HOUSEHOLD,
        household_code=decode_id(target.household, "Household", field="target"),
    )


@strawberry.type
class CampaignQueries:
    @strawberry.field(
        description=(
            "Crowdfunding campaigns visible to you: everyone sees approved ones (ACTIVE and "
            "finished); organisers also their drafts, caseworkers those of their area, admins "
            "all. Overdue ACTIVE campaigns are closed before they are listed."
        )
    )
    def campaigns(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            CampaignFilter | None,
            strawberry.argument(description="Conditions the campaigns must meet."),
        ] = None,
        order_by: Annotated[
            CampaignOrder, strawberry.argument(description="The order of the list.")
        ] = CampaignOrder.NEWEST,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Campaign]:
        context = info.context
        region_id: int | None = None
        if filter and filter.region is not None:
            try:
                region_id = decode_int_id(filter.region, "Region", field="filter.region")
            except ServiceError:
                raise bad_id_error("filter.region", "Region") from None
        page = queries.list_campaigns(
            context.session,
            context.principal,
            queries.CampaignFilter(
                region_id=region_id,
                statuses=tuple(filter.status or ()) if filter else (),
                target_kinds=tuple(filter.target_kind or ()) if filter else (),
            ),
            queries.CampaignOrder[order_by.name],
            public_level=context.settings.instance.public_region_level,
            now=utcnow(),
            first=first,
            after=after,
        )
        return page_connection(page, Campaign.from_rows(page.rows))

    @strawberry.field(
        description=(
            "A campaign backing by receipt number: yours (logged in), any for platform admins, "
            "your campaigns' for their managers; or anyone's who also gives its payment "
            "reference (backers without an account keep both, and then read its receipt). "
            "Null if not found or not visible."
        )
    )
    def backing(
        self,
        info: strawberry.Info[Context, Any],
        receipt_number: Annotated[str, strawberry.argument(description="E.g. 2026-000123.")],
        payment_reference: Annotated[
            str | None,
            strawberry.argument(description="The backing's payment reference (PAY-...)."),
        ] = None,
    ) -> Backing | None:
        context = info.context
        found = service.backing_by_receipt(
            context.session, context.principal, receipt_number, payment_reference
        )
        if found is None:
            return None
        row, proven_payer = found
        return Backing(id=row.id, row=row, proven_payer=proven_payer)  # type: ignore[arg-type]

    @strawberry.field(
        description=(
            "A backing by its ID and its payment reference together, for anyone who holds "
            "both: what a backer without an account keeps from campaignBack, so they can "
            "follow it from pending to received (when `receiptNumber` appears) without "
            "logging in. Null when they do not belong together."
        )
    )
    def backing_by_payment_reference(
        self,
        info: strawberry.Info[Context, Any],
        id: Annotated[relay.GlobalID, strawberry.argument(description="The backing's ID.")],
        payment_reference: Annotated[
            str, strawberry.argument(description="Its payment reference (PAY-...).")
        ],
    ) -> Backing | None:
        row = service.backing_by_payment_reference(
            info.context.session,
            decode_int_id(id, "Backing", field="id"),
            payment_reference,
        )
        if row is None:
            return None
        return Backing(id=row.id, row=row, proven_payer=True)  # type: ignore[arg-type]

    @strawberry.field(
        description="Your campaign backings, newest first (backer history).",
        extensions=requires(),
    )
    def my_backings(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Backing]:
        context = info.context
        page = queries.list_backer_backings(
            context.session, context.principal.account_id, first=first, after=after
        )
        loaders.payment_reference.prime(
            context, {backing.payment_id: reference for backing, reference in page.rows}
        )
        return page_connection(page, Backing.from_rows(backing for backing, _ in page.rows))


def _payload(info: strawberry.Info[Context, Any], action: Any) -> CampaignPayload:
    row, errors = run_service(info, action)
    return CampaignPayload(campaign=_campaign_node(info.context, row), errors=errors)


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(
        description=(
            "Start a campaign as DRAFT. Organisation admins, caseworkers (targets in their "
            "area) and platform admins."
        ),
        extensions=requires(*ORGANISERS),
    )
    def campaign_create(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignCreateInput]
    ) -> CampaignPayload:
        context = info.context
        return _payload(
            info,
            lambda: service.create_campaign(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                target=_target(input.target),
                details=service.CampaignDetails(
                    title=input.title,
                    description=input.description,
                    goal_minor=input.goal.amount_minor,
                    currency=input.goal.currency,
                    funding_model=input.funding_model,
                    deadline=input.deadline,
                    language=input.language or context.locale,
                ),
            ),
        )

    @strawberry.mutation(
        description="Change a DRAFT campaign. Its organisers (see campaignCancel).",
        extensions=requires(*ORGANISERS),
    )
    def campaign_update(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignUpdateInput]
    ) -> CampaignPayload:
        context = info.context
        return _payload(
            info,
            lambda: service.update_campaign(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                campaign_id=_campaign_pk(input.campaign),
                changes=service.CampaignChanges(
                    title=input.title,
                    description=input.description,
                    goal_minor=input.goal.amount_minor if input.goal else None,
                    currency=input.goal.currency if input.goal else None,
                    funding_model=input.funding_model,
                    deadline=input.deadline,
                ),
            ),
        )

    @strawberry.mutation(
        description=(
            "Set or remove a campaign's title and description in one more locale, in any "
            "status. Its organisers (see campaignCancel)."
        ),
        extensions=requires(*ORGANISERS),
    )
    def campaign_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CampaignTranslationSetInput],
    ) -> CampaignPayload:
        context = info.context
        payload = _payload(
            info,
            lambda: service.set_campaign_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                campaign_id=_campaign_pk(input.campaign),
                locale=input.locale,
                title=input.title,
                description=input.description,
            ),
        )
        return payload

    @strawberry.mutation(
        description="Send a DRAFT for approval (SUBMITTED). Its organisers.",
        extensions=requires(*ORGANISERS),
    )
    def campaign_submit(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignRefInput]
    ) -> CampaignPayload:
        context = info.context
        return _payload(
            info,
            lambda: service.submit_campaign(
                context.session,
                actor=context.principal,
                campaign_id=_campaign_pk(input.campaign),
            ),
        )

    @strawberry.mutation(
        description=(
            "Approve a SUBMITTED campaign (ACTIVE, public, taking backings) or return it to "
            "DRAFT. Caseworkers covering its region (not for their own) and platform admins."
        ),
        extensions=requires(*APPROVERS),
    )
    def campaign_approve(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignApproveInput]
    ) -> CampaignPayload:
        context = info.context
        return _payload(
            info,
            lambda: service.approve_campaign(
                context.session,
                actor=context.principal,
                campaign_id=_campaign_pk(input.campaign),
                approve=input.approve,
            ),
        )

    @strawberry.mutation(
        description="Post an update on a campaign, in any status. Its organisers.",
        extensions=requires(*ORGANISERS),
    )
    def campaign_post_update(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignPostUpdateInput]
    ) -> CampaignPostUpdatePayload:
        context = info.context
        post, errors = run_service(
            info,
            lambda: service.post_update(
                context.session,
                actor=context.principal,
                campaign_id=_campaign_pk(input.campaign),
                title=input.title,
                body=input.body,
            ),
        )
        node = CampaignUpdate(id=post.id, row=post) if post and post.id else None
        return CampaignPostUpdatePayload(update=node, errors=errors)

    @strawberry.mutation(
        description=(
            "Back an ACTIVE campaign; anyone, logged in or not. The backing is PENDING and "
            "does not count until the money arrives; follow `paymentInstructions`. Money "
            "arriving after the campaign closed is refunded if it failed or was cancelled, "
            "and disbursed if it succeeded."
        )
    )
    def campaign_back(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignBackInput]
    ) -> CampaignBackPayload:
        context = info.context

        def back() -> service.BackingCreated:
            return service.back_campaign(
                context.session,
                actor=context.principal,
                settings=context.settings,
                data=service.BackingInput(
                    campaign_id=_campaign_pk(input.campaign),
                    amount_minor=input.amount.amount_minor,
                    currency=input.amount.currency,
                    provider=input.provider,
                    anonymous=input.anonymous,
                    backer_name=input.backer_name,
                    message=input.message,
                    idempotency_key=input.idempotency_key,
                ),
            )

        created, errors = run_service(info, back)
        if created is None:
            return CampaignBackPayload(backing=None, payment_instructions=None, errors=errors)
        instructions = get_provider(created.payment.provider).instructions(
            created.payment, context.settings, context.locale
        )
        return CampaignBackPayload(
            backing=Backing(id=created.backing.id, row=created.backing),  # type: ignore[arg-type]
            payment_instructions=PaymentInstructions.of(instructions),
            errors=[],
        )

    @strawberry.mutation(
        description=(
            "Record that an offline backing's money arrived, with the bank or cash reference. "
            "Platform admins, and admins of the organising organisation."
        ),
        extensions=requires(*RECONCILERS),
    )
    def campaign_backing_reconcile(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[CampaignBackingReconcileInput],
    ) -> CampaignBackingPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.reconcile_backing(
                context.session,
                actor=context.principal,
                backing_id=decode_int_id(input.backing, "Backing", field="backing"),
                external_reference=input.external_reference,
                idempotency_key=input.idempotency_key,
            ),
        )
        node = Backing(id=row.id, row=row) if row and row.id else None
        return CampaignBackingPayload(backing=node, errors=errors)

    @strawberry.mutation(
        description=(
            "Stop a DRAFT, SUBMITTED or ACTIVE campaign; every received backing is refunded "
            "through the ledger. Its organisers: the organiser, admins of the organising "
            "organisation, caseworkers covering its region, platform admins."
        ),
        extensions=requires(*ORGANISERS),
    )
    def campaign_cancel(
        self, info: strawberry.Info[Context, Any], input: MutationInput[CampaignCancelInput]
    ) -> CampaignPayload:
        context = info.context
        return _payload(
            info,
            lambda: service.cancel_campaign(
                context.session,
                actor=context.principal,
                settings=context.settings,
                campaign_id=_campaign_pk(input.campaign),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            ),
        )
