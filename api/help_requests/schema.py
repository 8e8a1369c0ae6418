"""GraphQL queries and mutations of help requests."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.errors import ErrorCode, ServiceError, api_error, bad_id_error, coded_error
from api.core.i18n import N_
from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF, Role
from api.core.validation import check_currency
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_id, decode_int_id
from api.graphql.money import MinorUnits, MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import (
    After,
    Connection,
    First,
    OrderDirection,
    build_connection,
    page_connection,
)
from api.graphql.permissions import deny, requires
from api.help_requests import facets, loaders, matching, service
from api.help_requests.models import HelpRequest as HelpRequestRow
from api.help_requests.types import (
    HelpRequest,
    HelpRequestFacets,
    HelpRequestKind,
    HelpRequestStatus,
    Urgency,
    facets_view,
)
from api.households.queries import household_id_by_code
from api.pledges.schema import PledgeQueries

# Who may draft, change, submit and withdraw a household's requests (scoped in the service).
HOUSEHOLD_SIDE = (Role.HOUSEHOLD_REPRESENTATIVE, *STAFF)


@strawberry.enum(description="Ways to order the request list.")
class HelpRequestOrderField(Enum):
    NEWEST = strawberry.enum_value(
        "NEWEST",
        description=(
            "Most recently published first (requests not yet published, visible only to "
            "their household and caseworkers, count from their creation)."
        ),
    )
    MOST_URGENT = strawberry.enum_value(
        "MOST_URGENT",
        description="Most urgent first; equally urgent ones most recently created first.",
    )
    OLDEST_UNMET = strawberry.enum_value(
        "OLDEST_UNMET",
        description="Only OPEN requests, those published longest ago first.",
    )
    DEADLINE_SOONEST = strawberry.enum_value(
        "DEADLINE_SOONEST",
        description="Only requests that have a deadline, the soonest first.",
    )


@strawberry.input(description="How to order the request list.")
class HelpRequestOrder:
    field: HelpRequestOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection | None = strawberry.field(
        default=None,
        description=(
            "Omit for the field's natural direction: NEWEST and MOST_URGENT descending, "
            "OLDEST_UNMET and DEADLINE_SOONEST ascending."
        ),
    )


@strawberry.input(description="A range of money targets, in one currency.")
class AmountRangeInput:
    currency: str = strawberry.field(description="ISO 4217 code; only targets in it match.")
    min: MinorUnits | None = strawberry.field(
        default=None, description="Smallest target, in minor units (inclusive)."
    )
    max: MinorUnits | None = strawberry.field(
        default=None, description="Largest target, in minor units (inclusive)."
    )


@strawberry.input(description="Which requests to list; every condition given must hold.")
class HelpRequestFilter:
    region: relay.GlobalID | None = strawberry.field(
        default=None,
        description=(
            "Only requests of households in this area or below it. Finer than the "
            "instance's public level only for those who see households' exact region there "
            "(admins, caseworkers covering it); for others REGION_TOO_FINE."
        ),
    )
    cause: str | None = strawberry.field(
        default=None, description="Only requests of households with this cause of poverty."
    )
    category: str | None = strawberry.field(
        default=None, description="Only requests in this need category (a code)."
    )
    urgency: list[Urgency] | None = strawberry.field(
        default=None, description="Only requests with one of these urgencies."
    )
    kind: HelpRequestKind | None = strawberry.field(
        default=None, description="Only money requests, or only requests in kind."
    )
    status: list[HelpRequestStatus] | None = strawberry.field(
        default=None, description="Only requests in one of these statuses."
    )
    amount: AmountRangeInput | None = strawberry.field(
        default=None, description="Only money requests with a target in this range."
    )
    text: str | None = strawberry.field(
        default=None,
        description="Only requests whose title or description contains this text, in the "
        "original or a translation (case-insensitive, at most 200 characters).",
    )
    matching_my_preferences: bool | None = strawberry.field(
        default=None,
        description=(
            "Helpers, when true: only requests matching the preferences of your helper "
            "profile (regions, causes, categories; and budget: money requests must be in its "
            "currency with at most the budget left to pledge, requests in kind always match). "
            "A preferred region finer than the public level matches at its public ancestor."
        ),
    )


@strawberry.type
class HelpRequestQueries(PledgeQueries):
    @strawberry.field(
        description=(
            "Requests visible to you (published requests of public households for everyone; "
            "every request of their area for caseworkers, of their household for its "
            "representative, all for admins), newest first unless `orderBy` says otherwise. "
            "`first` is at most 100."
        )
    )
    def help_requests(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            HelpRequestFilter | None,
            strawberry.argument(description="Conditions the requests must meet."),
        ] = None,
        order_by: Annotated[
            HelpRequestOrder | None,
            strawberry.argument(description="How to order them; newest first if omitted."),
        ] = None,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[HelpRequest]:
        context = info.context
        wanted = _request_filter(info, filter)
        if wanted is None:
            return build_connection([], [], has_next=False, has_previous=False)
        direction = order_by.direction if order_by else None
        sort = matching.RequestSort(
            matching.RequestOrder(order_by.field.name if order_by else "NEWEST"),
            descending=None if direction is None else direction == OrderDirection.DESC,
        )
        page = matching.list_requests(
            context.session, context.principal, wanted, sort, first=first, after=after
        )
        loaders.request.prime(context, {row.id: row for row in page.rows if row.id is not None})
        return page_connection(page, HelpRequest.from_rows(page.rows))

    @strawberry.field(
        description=(
            "Counts per region, cause, category, urgency and kind of the requests "
            "`helpRequests(filter:)` lists to you (the same visibility and conditions, and "
            "the same errors, REGION_TOO_FINE included), for the filters of a request list. "
            "Each facet applies every condition of `filter` except its own. The OLDEST_UNMET "
            "ordering lists OPEN requests only: give `status: [OPEN]` for counts that match it."
        )
    )
    def help_request_facets(
        self,
        info: strawberry.Info[Context, Any],
        filter: Annotated[
            HelpRequestFilter | None,
            strawberry.argument(description="Conditions the requests must meet."),
        ] = None,
    ) -> HelpRequestFacets:
        context = info.context
        wanted = _request_filter(info, filter)
        if wanted is None:
            return facets_view(context, facets.nothing())
        counts = facets.request_facets(
            context.session,
            context.principal,
            wanted,
            public_level=context.settings.instance.public_region_level,
        )
        return facets_view(context, counts)


def _request_filter(
    info: strawberry.Info[Context, Any], given: HelpRequestFilter | None
) -> matching.RequestFilter | None:
    """The filter in service terms; None when it cannot match anything (unknown region)."""
    wanted = matching.RequestFilter()
    if given is None:
        return wanted
    context = info.context
    if given.region is not None:
        try:
            region_id = decode_int_id(given.region, "Region", field="region")
        except ServiceError:
            raise bad_id_error("region", "Region") from None
        wanted.region = matching.filter_region(
            context.session, context.principal, context.settings.instance, region_id
        )
        if wanted.region is None:
            return None
    wanted.cause = given.cause
    wanted.category = given.category
    wanted.urgencies = [u.name for u in given.urgency or []]
    wanted.kind = given.kind.name if given.kind is not None else None
    wanted.statuses = [s.name for s in given.status or []]
    if given.amount is not None:
        try:
            wanted.currency = check_currency(given.amount.currency, field="amount.currency")
        except ServiceError:
            raise api_error(
                "BAD_USER_INPUT", N_("`amount.currency` must be an ISO 4217 currency code.")
            ) from None
        wanted.min_minor = given.amount.min
        wanted.max_minor = given.amount.max
    if given.text is not None and len(given.text) > matching.TEXT_LIMIT:
        raise coded_error(
            ErrorCode.TOO_LONG, reported_as="BAD_USER_INPUT", limit=matching.TEXT_LIMIT
        )
    wanted.text = given.text
    if given.matching_my_preferences:
        principal = context.principal
        if principal.helper_id is None:
            raise deny(
                info,
                ErrorCode.FORBIDDEN if principal.is_authenticated else ErrorCode.UNAUTHENTICATED,
            )
        wanted.helper = matching.helper_for_preferences(context.session, principal.helper_id)
        wanted.public_level = context.settings.instance.public_region_level
    return wanted


# --- Mutations -------------------------------------------------------------------------------


@strawberry.input(description="One thing needed in kind.")
class HelpRequestItemInput:
    name: str = strawberry.field(description="What is needed, at most 200 characters.")
    quantity: int = strawberry.field(description="How many units, at least 1.")
    unit: str = strawberry.field(description="The unit, e.g. bags, kg, hours.")


@strawberry.input(
    description=(
        "A new request, saved as a DRAFT. Give exactly one of `target` (money) or `items` "
        "(in kind)."
    )
)
class HelpRequestCreateInput:
    household: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The household asking; representatives may omit it (their own household).",
    )
    category: str = strawberry.field(description="Need category (a taxonomy code).")
    title: str = strawberry.field(description="Short title, at most 200 characters.")
    description: str = strawberry.field(
        description="What is needed and why, at most 5000 characters. Published as written: "
        "no names, ID numbers or addresses."
    )
    target: MoneyInput | None = strawberry.field(
        default=None, description="The money asked for (at least 1 minor unit)."
    )
    items: list[HelpRequestItemInput] | None = strawberry.field(
        default=None, description="The items needed in kind (1 to 50)."
    )
    deadline: date | None = strawberry.field(
        default=None, description="Last day help is useful (today or later)."
    )
    urgency: Urgency = strawberry.field(
        default=Urgency.MEDIUM,
        description="How pressing the need is.",
    )
    language: str | None = strawberry.field(
        default=None,
        description="The locale title and description are written in, one of the instance's "
        "locales (e.g. zh_Hans); defaults to the request's locale.",
    )


@strawberry.input(
    description=(
        "Changes to a request in DRAFT or PENDING_VERIFICATION; omitted fields stay. Giving "
        "`target` makes it a money request, giving `items` a request in kind."
    )
)
class HelpRequestUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The request to change.")
    category: str | None = strawberry.field(default=None, description="Need category (a code).")
    title: str | None = strawberry.field(default=None, description="Short title.")
    description: str | None = strawberry.field(default=None, description="What and why.")
    target: MoneyInput | None = strawberry.field(default=None, description="Money asked for.")
    items: list[HelpRequestItemInput] | None = strawberry.field(
        default=None, description="Items needed in kind."
    )
    deadline: date | None = strawberry.field(default=None, description="Last useful day.")
    urgency: Urgency | None = strawberry.field(default=None, description="How pressing.")


@strawberry.input(
    description="A request's title and description in one more locale. A null field shows "
    "the original; with both null the translation is removed."
)
class HelpRequestTranslationSetInput:
    id: relay.GlobalID = strawberry.field(description="The request to translate.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. fr, zh_Hans), not the request's "
        "source language."
    )
    title: str | None = strawberry.field(
        default=None, description="The translated title, at most 200 characters."
    )
    description: str | None = strawberry.field(
        default=None, description="The translated description, at most 5000 characters."
    )


@strawberry.input(description="A DRAFT to submit for verification.")
class HelpRequestSubmitInput:
    id: relay.GlobalID = strawberry.field(description="The request, in DRAFT.")


@strawberry.input(description="A request to withdraw.")
class HelpRequestWithdrawInput:
    id: relay.GlobalID = strawberry.field(description="The request, not yet fulfilled.")


@strawberry.input(description="A caseworker's decision on a submitted request.")
class HelpRequestVerifyInput:
    id: relay.GlobalID = strawberry.field(description="The request, PENDING_VERIFICATION.")
    approve: bool = strawberry.field(
        default=True, description="True to publish the request (OPEN), false to reject it."
    )


@strawberry.type(description="Result of a help request mutation.")
class HelpRequestPayload:
    help_request: HelpRequest | None = strawberry.field(
        description="The request as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _payload(row: HelpRequestRow | None, errors: list[UserError]) -> HelpRequestPayload:
    nodes = HelpRequest.from_rows([row]) if row is not None else []
    return HelpRequestPayload(help_request=nodes[0] if nodes else None, errors=errors)


def _request_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "HelpRequest", field="id")


def _household_pk(context: Context, global_id: relay.GlobalID | None) -> int:
    if global_id is None:
        if context.principal.household_id is None:
            raise ServiceError(ErrorCode.REQUIRED, field="household")
        return context.principal.household_id
    code = decode_id(global_id, "Household", field="household")
    pk = household_id_by_code(context.session, code)
    if pk is None:
        raise ServiceError(ErrorCode.NOT_FOUND, field="household")
    return pk


def _details(input: HelpRequestCreateInput | HelpRequestUpdateInput) -> service.RequestDetails:
    return service.RequestDetails(
        category=input.category,
        title=input.title,
        description=input.description,
        target_minor=input.target.amount_minor if input.target else None,
        currency=input.target.currency if input.target else None,
        items=[service.Item(i.name, i.quantity, i.unit) for i in input.items]
        if input.items is not None
        else None,
        deadline=input.deadline,
        urgency=input.urgency.name if input.urgency else None,
    )


@strawberry.type
class HelpRequestMutations:
    @strawberry.mutation(
        description=(
            "Draft a request for a household: its representative, a caseworker covering it, "
            "or an admin."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def help_request_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestCreateInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_request(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                household_id=_household_pk(context, input.household),
                details=_details(input),
                language=input.language or context.locale,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Change a request before it is published (DRAFT or PENDING_VERIFICATION).",
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def help_request_update(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestUpdateInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.update_request(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                request_id=_request_pk(input.id),
                details=_details(input),
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Set or remove a request's title and description in one more locale, in any "
            "status. Those who may change the request: its household's representative, "
            "caseworkers covering the household, admins."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def help_request_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestTranslationSetInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_request_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                request_id=_request_pk(input.id),
                locale=input.locale,
                title=input.title,
                description=input.description,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Submit a DRAFT for verification by a caseworker.",
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def help_request_submit(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestSubmitInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.submit_request(
                context.session, actor=context.principal, request_id=_request_pk(input.id)
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Publish (OPEN) or reject a submitted request. Caseworkers covering the "
            "household, and admins; the household must be verified to publish."
        ),
        extensions=requires(*STAFF),
    )
    def help_request_verify(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestVerifyInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.verify_request(
                context.session,
                actor=context.principal,
                request_id=_request_pk(input.id),
                approve=input.approve,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Withdraw a request that is not yet fulfilled; pledges not yet delivered are "
            "cancelled. The household's representative, its caseworkers, admins."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def help_request_withdraw(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[HelpRequestWithdrawInput],
    ) -> HelpRequestPayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.withdraw_request(
                context.session, actor=context.principal, request_id=_request_pk(input.id)
            ),
        )
        return _payload(row, errors)
