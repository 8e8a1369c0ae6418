"""GraphQL queries and mutations of pairings: the public pairing ledger and the pairing
lifecycle. (Pairing counters are read through `Stats` in api/stats.)"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError, bad_id_error
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF, Role
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, page_connection
from api.graphql.permissions import requires
from api.households import queries as household_queries
from api.pairing import loaders, models, queries, service
from api.pairing.models import Pairing as PairingRow
from api.pairing.types import (
    Pairing,
    PairingCommitment,
    PairingMilestone,
    PairingReport,
)

# Who may work on a pairing at all; which pairing is decided in the service.
PAIRING_ROLES = (Role.HELPER, Role.ORGANISATION_ADMIN, *STAFF)


@strawberry.input(description="Which pairings to list; every condition given must hold.")
class PairingFilter:
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only pairings in this area or below it. Household pairings match areas below "
            "the instance's public level only for caseworkers covering them and admins."
        ),
    )
    kind: models.PairingKind | None = strawberry.field(
        default=None, description="Only pairings of this kind."
    )
    status: list[models.PairingStatus] | None = strawberry.field(
        default=None, description="Only pairings in one of these statuses."
    )
    helper: relay.GlobalID | None = strawberry.field(
        default=None, description="Only pairings of this helper (a Helper id)."
    )


@strawberry.type
class PairingQueries:
    @strawberry.field(
        description=(
            "The pairing ledger: ACTIVE and COMPLETED pairings for everyone (household "
            "pairings only of public households); also their own pairings for helpers, every "
            "pairing of their area for caseworkers, all for admins. Newest first; `first` is "
            "at most 100."
        )
    )
    def pairings(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            PairingFilter | None,
            strawberry.argument(description="Conditions the pairings must meet."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Pairing]:
        context = info.context
        page = queries.list_pairings(
            context.session,
            context.principal,
            _criteria(filter),
            public_level=context.settings.instance.public_region_level,
            first=first,
            after=after,
        )
        loaders.pairing.prime(context, {row.id: row for row in page.rows if row.id is not None})
        return page_connection(page, Pairing.from_rows(page.rows))


def _decoded(global_id: relay.GlobalID, type_name: str, argument: str) -> int:
    """Queries have no payload for typed errors: a bad id is a top-level input error."""
    try:
        return decode_int_id(global_id, type_name, field=argument)
    except ServiceError:
        raise bad_id_error(argument, type_name) from None


def _criteria(given: PairingFilter | None) -> queries.PairingFilter:
    """The list's filter as plain values."""
    if given is None:
        return queries.PairingFilter()
    return queries.PairingFilter(
        region_id=_decoded(given.region, "Region", "region") if given.region is not None else None,
        kind=given.kind.value if given.kind is not None else None,
        statuses=[s.value for s in given.status or []],
        helper_id=_decoded(given.helper, "Helper", "helper") if given.helper is not None else None,
    )


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input(
    description=(
        "A commitment: give `target` for MONEY and PURCHASES, `targetCount` for JOBS and TRAINING."
    )
)
class PairingCommitmentInput:
    kind: models.CommitmentKind = strawberry.field(description="What is committed.")
    description: str | None = strawberry.field(
        default=None, description="What exactly is promised, at most 500 characters. Public."
    )
    target: MoneyInput | None = strawberry.field(
        default=None, description="Target amount (MONEY, PURCHASES), at least 1 minor unit."
    )
    target_count: int | None = strawberry.field(
        default=None, description="Target count (JOBS: jobs; TRAINING: people), at least 1."
    )


@strawberry.input(
    description=(
        "A new pairing, PROPOSED until a caseworker covering the area (or an admin) accepts. "
        "ENTERPRISE_VILLAGE needs `village` and an enterprise helper; HELPER_HOUSEHOLD needs "
        "`household`."
    )
)
class PairingProposeInput:
    kind: models.PairingKind = strawberry.field(description="Who is paired with whom.")
    helper: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "The helper committing. Helpers and organisation admins may omit it (their own "
            "profile); caseworkers and admins must give it."
        ),
    )
    village: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The village (a Region at the lowest level), for ENTERPRISE_VILLAGE.",
    )
    household: relay.GlobalID | None = strawberry.field(
        default=None, description="The household (public to helpers), for HELPER_HOUSEHOLD."
    )
    period_start: date = strawberry.field(description="First day of the agreed period.")
    period_end: date = strawberry.field(
        description="Last day of the agreed period, on or after the first, within ten years."
    )
    commitments: list[PairingCommitmentInput] | None = strawberry.field(
        default=None, description="The first commitments (at most 20); more can be added later."
    )


@strawberry.input(description="A proposed pairing to accept.")
class PairingAcceptInput:
    id: relay.GlobalID = strawberry.field(description="The pairing, PROPOSED.")


@strawberry.enum(description="How a pairing ends.")
class PairingEndOutcome(Enum):
    COMPLETED = strawberry.enum_value(
        "COMPLETED",
        description="Finished as planned (ACTIVE only; caseworkers covering it and admins).",
    )
    ENDED_EARLY = strawberry.enum_value(
        "ENDED_EARLY",
        description="Withdrawn (PROPOSED) or stopped early (ACTIVE); the helper side too.",
    )


@strawberry.input(description="A pairing to end.")
class PairingEndInput:
    id: relay.GlobalID = strawberry.field(description="The pairing, PROPOSED or ACTIVE.")
    outcome: PairingEndOutcome = strawberry.field(description="How it ends.")


@strawberry.input(description="A commitment to add to a PROPOSED or ACTIVE pairing.")
class PairingCommitmentAddInput:
    pairing: relay.GlobalID = strawberry.field(description="The pairing.")
    commitment: PairingCommitmentInput = strawberry.field(description="The commitment.")


@strawberry.input(description="A milestone to add to a PROPOSED or ACTIVE pairing.")
class PairingMilestoneAddInput:
    pairing: relay.GlobalID = strawberry.field(description="The pairing.")
    title: str = strawberry.field(description="What is to be achieved, at most 200 characters.")
    due_on: date = strawberry.field(description="When it is due, within the pairing's period.")


@strawberry.input(description="A milestone of an ACTIVE pairing to mark as done.")
class PairingMilestoneCompleteInput:
    id: relay.GlobalID = strawberry.field(description="The milestone, not yet done.")
    done_on: date | None = strawberry.field(
        default=None, description="When it was done (not in the future); today if omitted."
    )


@strawberry.input(
    description="What a report delivered towards one commitment: `amount` or `count`."
)
class PairingDeliveryInput:
    commitment: relay.GlobalID = strawberry.field(
        description="A commitment of the same pairing, at most once per report."
    )
    amount: MoneyInput | None = strawberry.field(
        default=None,
        description="For MONEY and PURCHASES: in the commitment's currency, at least 1.",
    )
    count: int | None = strawberry.field(
        default=None, description="For JOBS (jobs created) and TRAINING (people trained)."
    )


@strawberry.input(description="A progress report on an ACTIVE pairing; it cannot be changed later.")
class PairingReportSubmitInput:
    pairing: relay.GlobalID = strawberry.field(description="The pairing, ACTIVE.")
    period_start: date = strawberry.field(
        description="First day covered, not before the pairing's period."
    )
    period_end: date = strawberry.field(description="Last day covered, not in the future.")
    narrative: str = strawberry.field(
        description=(
            "What was done, at most 5000 characters. Published as written: no names, ID "
            "numbers or addresses."
        )
    )
    deliveries: list[PairingDeliveryInput] | None = strawberry.field(
        default=None, description="What was delivered towards commitments (at most 20)."
    )


@strawberry.type(description="Result of a pairing mutation.")
class PairingPayload:
    pairing: Pairing | None = strawberry.field(
        description="The pairing as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of adding a commitment.")
class PairingCommitmentPayload:
    commitment: PairingCommitment | None = strawberry.field(
        description="The new commitment, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of a milestone mutation.")
class PairingMilestonePayload:
    milestone: PairingMilestone | None = strawberry.field(
        description="The milestone as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of submitting a report.")
class PairingReportPayload:
    report: PairingReport | None = strawberry.field(description="The new report, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _pairing_payload(
    context: Context, row: PairingRow | None, errors: list[UserError]
) -> PairingPayload:
    if row is None:
        return PairingPayload(pairing=None, errors=errors)
    loaders.pairing.prime(context, {row.id: row} if row.id is not None else {})
    return PairingPayload(pairing=Pairing.from_row(row, [row]), errors=errors)


def _pk(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    return decode_int_id(global_id, type_name, field=field)


def _household_pk(context: Context, global_id: relay.GlobalID | None) -> int | None:
    if global_id is None:
        return None
    code = decode_id(global_id, "Household", field="household")
    pk = household_queries.household_id_by_code(context.session, code)
    if pk is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="household")
    return pk


def _draft(given: PairingCommitmentInput) -> service.CommitmentDraft:
    return service.CommitmentDraft(
        kind=given.kind.value,
        description=given.description,
        target_minor=given.target.amount_minor if given.target else None,
        currency=given.target.currency if given.target else None,
        target_count=given.target_count,
    )


def _delivery(index: int, given: PairingDeliveryInput) -> service.DeliveryDraft:
    return service.DeliveryDraft(
        commitment_id=_pk(given.commitment, "PairingCommitment", f"deliveries.{index}.commitment"),
        amount_minor=given.amount.amount_minor if given.amount else None,
        currency=given.amount.currency if given.amount else None,
        count=given.count,
    )


@strawberry.type
class PairingMutations:
    @strawberry.mutation(
        description=(
            "Propose a pairing: an enterprise's organisation admin (village pairings) or any "
            "helper (household pairings) for its own profile, a caseworker covering the "
            "village or household, or an admin."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_propose(
        self, info: strawberry.Info[Context, Any], input: MutationInput[PairingProposeInput]
    ) -> PairingPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.propose_pairing(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                kind=input.kind.value,
                helper_id=_pk(input.helper, "Helper", "helper") if input.helper else None,
                village_id=_pk(input.village, "Region", "village") if input.village else None,
                household_id=_household_pk(context, input.household),
                period_start=input.period_start,
                period_end=input.period_end,
                commitments=[_draft(c) for c in input.commitments or []],
            ),
        )
        return _pairing_payload(context, row, errors)

    @strawberry.mutation(
        description=(
            "Accept a PROPOSED pairing, making it ACTIVE and public: caseworkers covering the "
            "village or household, and admins."
        ),
        extensions=requires(*STAFF),
    )
    def pairing_accept(
        self, info: strawberry.Info[Context, Any], input: MutationInput[PairingAcceptInput]
    ) -> PairingPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.accept_pairing(
                context.session,
                actor=context.principal,
                pairing_id=_pk(input.id, "Pairing", "id"),
            ),
        )
        return _pairing_payload(context, row, errors)

    @strawberry.mutation(
        description=(
            "End a pairing: COMPLETED (caseworkers covering it, admins) or ENDED_EARLY (also "
            "its helper side)."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_end(
        self, info: strawberry.Info[Context, Any], input: MutationInput[PairingEndInput]
    ) -> PairingPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.end_pairing(
                context.session,
                actor=context.principal,
                pairing_id=_pk(input.id, "Pairing", "id"),
                outcome=input.outcome.name,
            ),
        )
        return _pairing_payload(context, row, errors)

    @strawberry.mutation(
        description=(
            "Add a commitment to a PROPOSED or ACTIVE pairing: its helper side, caseworkers "
            "covering it, admins."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_commitment_add(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PairingCommitmentAddInput],
    ) -> PairingCommitmentPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.add_commitment(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                pairing_id=_pk(input.pairing, "Pairing", "pairing"),
                draft=_draft(input.commitment),
            ),
        )
        if row is None or row.id is None:
            return PairingCommitmentPayload(commitment=None, errors=errors)
        progress = service.CommitmentProgress(row, 0, 0)
        return PairingCommitmentPayload(
            commitment=PairingCommitment(id=row.id, progress_row=progress), errors=errors
        )

    @strawberry.mutation(
        description=(
            "Add a milestone to a PROPOSED or ACTIVE pairing: its helper side, caseworkers "
            "covering it, admins."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_milestone_add(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PairingMilestoneAddInput],
    ) -> PairingMilestonePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.add_milestone(
                context.session,
                actor=context.principal,
                pairing_id=_pk(input.pairing, "Pairing", "pairing"),
                title=input.title,
                due_on=input.due_on,
            ),
        )
        milestone = PairingMilestone(id=row.id, row=row) if row and row.id else None
        return PairingMilestonePayload(milestone=milestone, errors=errors)

    @strawberry.mutation(
        description=(
            "Mark a milestone of an ACTIVE pairing as done: its helper side, caseworkers "
            "covering it, admins."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_milestone_complete(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PairingMilestoneCompleteInput],
    ) -> PairingMilestonePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.complete_milestone(
                context.session,
                actor=context.principal,
                milestone_id=_pk(input.id, "PairingMilestone", "id"),
                done_on=input.done_on,
            ),
        )
        milestone = PairingMilestone(id=row.id, row=row) if row and row.id else None
        return PairingMilestonePayload(milestone=milestone, errors=errors)

    @strawberry.mutation(
        description=(
            "Submit a progress report on an ACTIVE pairing (append-only): its helper side, "
            "caseworkers covering it, admins."
        ),
        extensions=requires(*PAIRING_ROLES),
    )
    def pairing_report_submit(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PairingReportSubmitInput],
    ) -> PairingReportPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.submit_report(
                context.session,
                actor=context.principal,
                pairing_id=_pk(input.pairing, "Pairing", "pairing"),
                period_start=input.period_start,
                period_end=input.period_end,
                narrative=input.narrative,
                deliveries=[_delivery(i, d) for i, d in enumerate(input.deliveries or [])],
            ),
        )
        if row is None or row.id is None:
            return PairingReportPayload(report=None, errors=errors)
        return PairingReportPayload(
            report=PairingReport(id=row.id, row=row, page=[row.id], pairing_page=[row.pairing_id]),
            errors=errors,
        )
