"""GraphQL queries and mutations of disbursements, and the public transparency totals."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError, api_error, bad_id_error
from api.core.i18n import N_
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF
from api.disbursements import models, queries, service
from api.disbursements.models import Disbursement as DisbursementRow
from api.disbursements.types import (
    TARGET_TYPE_NAMES,
    Disbursement,
    FundTotals,
    MoneyTotals,
)
from api.donation.schema import KEY_DESCRIPTION, DonationTargetInput, decode_target
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.households import queries as household_queries
from api.regions.models import Region as RegionRow

# A household id that no row has: a filter by an unknown household matches nothing.
NO_HOUSEHOLD = -1


@strawberry.input(
    description=(
        "Who or what a disbursement pays: exactly one of helpRequest, project, campaign or "
        "household."
    )
)
class DisbursementTargetInput:
    help_request: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A money request: pays its household, for this request (from the "
        "request's fund at any status; from the general fund while it is OPEN or PLEDGED).",
    )
    project: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A project that is not CANCELLED: pays the project (from its fund or the "
        "general fund).",
    )
    campaign: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A DISBURSED campaign: pays its beneficiary (household, village or "
        "project) from the money it released.",
    )
    household: relay.GlobalID | None = strawberry.field(
        default=None, description="A verified household, paid directly from the general fund."
    )

    def chosen(self) -> tuple[models.DisbursementTargetKind, relay.GlobalID]:
        """The one target given, else INVALID on `target`."""
        given = [
            (kind, value)
            for kind, value in (
                (models.DisbursementTargetKind.HELP_REQUEST, self.help_request),
                (models.DisbursementTargetKind.PROJECT, self.project),
                (models.DisbursementTargetKind.CAMPAIGN, self.campaign),
                (models.DisbursementTargetKind.HOUSEHOLD, self.household),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise ServiceError(ErrorCode.INVALID, field="target")
        return given[0]


def _household_pk(context: Context, global_id: relay.GlobalID) -> int | None:
    code = decode_id(global_id, "Household", field="target")
    return household_queries.household_id_by_code(context.session, code)


def _decode(
    context: Context, target: DisbursementTargetInput
) -> tuple[models.DisbursementTargetKind, int | None]:
    """The target's kind and database id; None for a household nobody has."""
    kind, global_id = target.chosen()
    if kind == models.DisbursementTargetKind.HOUSEHOLD:
        return kind, _household_pk(context, global_id)
    return kind, decode_int_id(global_id, TARGET_TYPE_NAMES[kind], field="target")


@strawberry.input(description="Money paid out of a fund to a beneficiary, as it happened.")
class DisbursementCreateInput:
    target: DisbursementTargetInput = strawberry.field(description="Who or what was paid.")
    source: models.DisbursementSource = strawberry.field(
        default=models.DisbursementSource.TARGET_FUND,
        description="Which fund paid: the target's own fund (the default) or the general "
        "fund. A household has no fund of its own and a campaign pays only from what it "
        "released, so any other choice for them is INVALID on `source`.",
    )
    amount: MoneyInput = strawberry.field(
        description="How much, following the instance's money rule (a currency of "
        "InstanceInfo.currencies, 1 to maxAmountMinor minor units), in the target's currency "
        "(a help request's, a project's budget currency, a campaign's; else CURRENCY_MISMATCH "
        "on `amount.currency`). At most what the fund holds in that currency now, else "
        "OUT_OF_RANGE on `amount.amountMinor`, whose message names the amount held."
    )
    evidence_reference: str = strawberry.field(
        description="The bank transfer, mobile-money or cash-book reference that proves the "
        "payment, 1 to 200 characters."
    )
    note: str | None = strawberry.field(
        default=None, description="An optional note, at most 500 characters."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="A household confirms it received a disbursement.")
class DisbursementConfirmReceiptInput:
    disbursement: relay.GlobalID = strawberry.field(
        description="The disbursement, paid to your household (representatives) or to a "
        "household in your area (caseworkers, on its behalf); platform admins any. Others "
        "get FORBIDDEN; one you cannot see is NOT_FOUND; one already confirmed, or not paid "
        "to a household, is INVALID_STATE."
    )


@strawberry.input(description="Which disbursements to list; every condition given must hold.")
class DisbursementFilter:
    target: DisbursementTargetInput | None = strawberry.field(
        default=None,
        description="Only disbursements to this target (one of its fields); `household` "
        "matches every disbursement paid to the household, for its requests, its campaigns "
        "or itself.",
    )
    source: models.DisbursementSource | None = strawberry.field(
        default=None, description="Only disbursements from this kind of fund."
    )
    confirmed: bool | None = strawberry.field(
        default=None,
        description="True: only those the household confirmed; false: only confirmable ones "
        "still waiting for its confirmation.",
    )

    def criteria(self, context: Context) -> service.DisbursementCriteria:
        kind, target_id = _decode(context, self.target) if self.target else (None, None)
        if kind is not None and target_id is None:
            target_id = NO_HOUSEHOLD
        return service.DisbursementCriteria(
            target_kind=kind, target_id=target_id, source=self.source, confirmed=self.confirmed
        )


@strawberry.type(description="Result of a disbursement mutation.")
class DisbursementPayload:
    disbursement: Disbursement | None = strawberry.field(
        description="The disbursement as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _payload(row: DisbursementRow | None, errors: list[UserError]) -> DisbursementPayload:
    node = Disbursement.from_rows([row])[0] if row is not None else None
    return DisbursementPayload(disbursement=node, errors=errors)


def _region(context: Context, global_id: strawberry.ID) -> RegionRow:
    try:
        region_id = decode_int_id(global_id, "Region", field="region")
    except ServiceError:
        raise bad_id_error("region", "Region") from None
    region = queries.region_by_id(context.session, region_id)
    if region is None:
        raise api_error("NOT_FOUND", N_("No such region."))
    return region


@strawberry.type
class DisbursementQueries:
    @strawberry.field(
        description=(
            "Disbursements you may see, newest first: all for platform admins, those to "
            "beneficiaries in their area for caseworkers, those paid to their household for "
            "household representatives; nobody else any (an empty page). Needs a login."
        ),
        extensions=requires(),
    )
    def disbursements(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            DisbursementFilter | None,
            strawberry.argument(description="Conditions the disbursements must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Disbursement]:
        context = info.context
        criteria = filter.criteria(context) if filter else service.DisbursementCriteria()
        page = queries.list_disbursements(
            context.session, context.principal, criteria, first=first, after=after
        )
        return page_connection(page, Disbursement.from_rows(page.rows))

    @strawberry.field(
        description=(
            "What a fund received, paid out and holds, per currency; public. The general "
            "fund, or the fund of a public help request, public project (any status) or "
            "public campaign (what it released to its beneficiary). Anything else is an "
            "error with code NOT_FOUND."
        )
    )
    def fund_totals(
        self,
        info: strawberry.Info[Context, Any],
        target: Annotated[DonationTargetInput, strawberry.argument(description="Which fund.")],
    ) -> list[FundTotals]:
        session = info.context.session
        kind, target_id = decode_target(target)
        account = service.public_fund_account(session, kind, target_id)
        return [FundTotals.of(flow) for flow in service.fund_flows(session, account)]

    @strawberry.field(
        description=(
            "Donation money received, paid out and held in an area, per currency; public. "
            "For everyone but caseworkers covering the area and platform admins, the figures "
            "of an area below the instance's public level are withheld, and `disbursed` and "
            "`held` where fewer than smallCountThreshold households received money (null, "
            "with the reason in `suppressed`)."
        )
    )
    def money_totals(
        self,
        info: strawberry.Info[Context, Any],
        region: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Global ID of a Region; omit for the whole instance."),
        ] = None,
    ) -> list[MoneyTotals]:
        context = info.context
        area = _region(context, region) if region is not None else None
        found = service.area_money(
            context.session, context.principal, context.settings.instance, area
        )
        return [MoneyTotals.of(figures) for figures in found]


@strawberry.type
class DisbursementMutations:
    @strawberry.mutation(
        description=(
            "Record money paid out of a fund to a beneficiary, with the evidence of the "
            "transfer: it leaves the fund on the ledger (never more than the fund holds, also "
            "under concurrency), the target's figures move, and the fund's donations are "
            "marked paid out, first in first out. Who may pay what: platform admins from any "
            "fund; caseworkers from the own fund of a help request, project or campaign whose "
            "region lies in their area, never from the general fund (FORBIDDEN on `source` or "
            "`target`). A help request pays its household, from its fund or the general fund; "
            "a project pays itself, from its fund or the general fund; a DISBURSED campaign "
            "pays its beneficiary from what it released; a household is paid directly from "
            "the general fund. Others get FORBIDDEN or UNAUTHENTICATED."
        ),
        extensions=requires(*STAFF),
    )
    def disbursement_create(
        self, info: strawberry.Info[Context, Any], input: MutationInput[DisbursementCreateInput]
    ) -> DisbursementPayload:
        context = info.context

        def create() -> DisbursementRow:
            kind, target_id = _decode(context, input.target)
            if target_id is None:
                raise ServiceError(ErrorCode.NOT_FOUND, field="target")
            return service.create_disbursement(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                data=service.DisbursementInput(
                    target_kind=kind,
                    target_id=target_id,
                    source=input.source,
                    amount_minor=input.amount.amount_minor,
                    currency=input.amount.currency,
                    evidence_reference=input.evidence_reference,
                    note=input.note,
                    idempotency_key=input.idempotency_key,
                ),
            )

        row, errors = run_service(info, create)
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "The household confirms it received a disbursement: its representative, or a "
            "caseworker covering it on its behalf, or a platform admin. For a help request, "
            "the money counts as confirmed received and the request becomes FULFILLED when "
            "confirmed money reaches its target."
        ),
        extensions=requires(),
    )
    def disbursement_confirm_receipt(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[DisbursementConfirmReceiptInput],
    ) -> DisbursementPayload:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.confirm_receipt(
                context.session,
                actor=context.principal,
                disbursement_id=decode_int_id(
                    input.disbursement, "Disbursement", field="disbursement"
                ),
            ),
        )
        return _payload(row, errors)
