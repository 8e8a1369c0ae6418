"""GraphQL queries and mutations of pledges."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.core.pages import DEFAULT_PAGE_SIZE
from api.core.roles import STAFF, Role
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.ids import decode_int_id
from api.graphql.money import MoneyInput
from api.graphql.mutations import MutationInput, run_service
from api.graphql.pagination import After, Connection, First, build_connection, page_connection
from api.graphql.permissions import requires
from api.pledges import service
from api.pledges.models import Pledge as PledgeRow
from api.pledges.models import ProgressUpdate as ProgressUpdateRow
from api.pledges.types import Pledge, PledgeKind, ProgressUpdate

if TYPE_CHECKING:
    from api.help_requests.types import HelpRequest

HELPERS = (Role.HELPER, Role.ORGANISATION_ADMIN)
# Those who speak for a household: its representative, caseworkers covering it, admins
# (the service checks the household and the area).
HOUSEHOLD_SIDE = (Role.HOUSEHOLD_REPRESENTATIVE, *STAFF)


@strawberry.type
class PledgeQueries:
    @strawberry.field(
        description=(
            "Pledges of your helper profile, newest first; empty for accounts without one. "
            "`first` is at most 100."
        ),
        extensions=requires(),
    )
    def my_pledges(
        self,
        info: strawberry.Info[Context, Any],
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[Pledge]:
        context = info.context
        helper_id = context.principal.helper_id
        if helper_id is None:
            return build_connection([], [], has_next=False, has_previous=False)
        page = service.list_pledges(
            context.session,
            service.PledgeFilter(helper_id=helper_id),
            service.PledgeOrder.NEWEST,
            first=first,
            after=after,
        )
        return page_connection(page, Pledge.from_rows(page.rows))


@strawberry.input(description="A promise to help with a request.")
class PledgeCreateInput:
    request: relay.GlobalID = strawberry.field(description="The request, which must be OPEN.")
    kind: PledgeKind = strawberry.field(
        description="MONEY for money requests; GOODS or SERVICE for requests in kind."
    )
    amount: MoneyInput | None = strawberry.field(
        default=None,
        description="MONEY: the amount, in the request's currency, at most what is left "
        "(else OUT_OF_RANGE on `amount.amountMinor`, whose message names the amount still "
        "open).",
    )
    description: str | None = strawberry.field(
        default=None,
        description="What you will give or do (required for GOODS and SERVICE), at most "
        "2000 characters.",
    )
    due_on: date = strawberry.field(
        description="The day you will deliver by: after today, and by the request's deadline."
    )
    idempotency_key: str = strawberry.field(
        description="A unique key per intended pledge (a UUID), at most 200 characters. "
        "Retrying with the same key and input returns the first pledge (as it is now) and "
        "pledges nothing more; the same key with another input is IDEMPOTENCY_KEY_REUSED."
    )


@strawberry.input(description="A pledge to take back.")
class PledgeCancelInput:
    id: relay.GlobalID = strawberry.field(description="Your pledge, still ACTIVE.")


@strawberry.input(description="A pledge you have delivered.")
class PledgeMarkDeliveredInput:
    id: relay.GlobalID = strawberry.field(description="Your pledge, still ACTIVE.")


@strawberry.input(description="The household's confirmation that help arrived.")
class PledgeConfirmReceiptInput:
    id: relay.GlobalID = strawberry.field(description="The pledge, ACTIVE or DELIVERED.")
    thank_you_message: str | None = strawberry.field(
        default=None,
        description="Thanks to the helper, at most 2000 characters. Shown publicly on the "
        "household and the request: no names, ID numbers or addresses. Can also be written, "
        "replaced or removed later with `pledgeThankYouSet`.",
    )


@strawberry.input(
    description="The household's thanks for a pledge it confirmed, written after confirming."
)
class PledgeThankYouSetInput:
    id: relay.GlobalID = strawberry.field(description="The pledge, CONFIRMED (else INVALID_STATE).")
    message: str | None = strawberry.field(
        default=None,
        description="Thanks to the helper, at most 2000 characters, replacing any earlier "
        "one. Shown publicly on the household and the request: no names, ID numbers or "
        "addresses. Null or blank removes the thank-you.",
    )


@strawberry.input(description="A progress update on a request.")
class ProgressUpdatePostInput:
    request: relay.GlobalID = strawberry.field(
        description="The request: published (OPEN, PLEDGED or FULFILLED) and with help "
        "received, a confirmed pledge or money (else INVALID_STATE)."
    )
    body: str = strawberry.field(
        description="What has changed since the help arrived, at most 2000 characters. "
        "Shown publicly with the request: no names, ID numbers or addresses."
    )
    language: str | None = strawberry.field(
        default=None,
        description="The locale the note is written in, one of the instance's locales (e.g. "
        "zh_Hans); defaults to the request's locale.",
    )


@strawberry.input(description="A progress update's text in one more locale.")
class ProgressUpdateTranslationSetInput:
    id: relay.GlobalID = strawberry.field(description="The update to translate.")
    locale: str = strawberry.field(
        description="One of the instance's locales (e.g. fr, zh_Hans), not the update's "
        "source language."
    )
    body: str | None = strawberry.field(
        default=None,
        description="The translated note, at most 2000 characters; null or blank removes the "
        "translation.",
    )


@strawberry.input(description="A progress update to take down.")
class ProgressUpdateRemoveInput:
    id: relay.GlobalID = strawberry.field(description="The update.")


@strawberry.type(description="Result of progressUpdatePost and progressUpdateTranslationSet.")
class ProgressUpdatePayload:
    progress_update: ProgressUpdate | None = strawberry.field(
        description="The update as it is now, unless errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of progressUpdateRemove.")
class ProgressUpdateRemovePayload:
    help_request: Annotated[HelpRequest, strawberry.lazy("api.help_requests.types")] | None = (
        strawberry.field(description="The request the update was on, as it is now, unless errors.")
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="Result of a pledge mutation.")
class PledgePayload:
    pledge: Pledge | None = strawberry.field(description="The pledge as it is now, unless errors.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused.")


def _payload(row: PledgeRow | None, errors: list[UserError]) -> PledgePayload:
    return PledgePayload(pledge=Pledge.from_row(row, [row]) if row else None, errors=errors)


def _pledge_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "Pledge", field="id")


def _update_payload(
    row: ProgressUpdateRow | None, errors: list[UserError]
) -> ProgressUpdatePayload:
    node = ProgressUpdate.from_rows([row])[0] if row else None
    return ProgressUpdatePayload(progress_update=node, errors=errors)


def _update_pk(global_id: relay.GlobalID) -> int:
    return decode_int_id(global_id, "ProgressUpdate", field="id")


@strawberry.type
class PledgeMutations:
    @strawberry.mutation(
        description=(
            "Pledge money, goods or a service to an OPEN request. Helpers, and organisation "
            "admins for their organisation."
        ),
        extensions=requires(*HELPERS),
    )
    def pledge_create(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PledgeCreateInput],
    ) -> PledgePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.create_pledge(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                details=service.PledgeDetails(
                    request_id=decode_int_id(input.request, "HelpRequest", field="request"),
                    kind=input.kind.name,
                    amount_minor=input.amount.amount_minor if input.amount else None,
                    currency=input.amount.currency if input.amount else None,
                    description=input.description,
                    due_on=input.due_on,
                ),
                idempotency_key=input.idempotency_key,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Take back your pledge before delivering it; the request reopens.",
        extensions=requires(*HELPERS),
    )
    def pledge_cancel(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PledgeCancelInput],
    ) -> PledgePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.cancel_pledge(
                context.session, actor=context.principal, pledge_id=_pledge_pk(input.id)
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description="Say you have delivered your pledge.", extensions=requires(*HELPERS)
    )
    def pledge_mark_delivered(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PledgeMarkDeliveredInput],
    ) -> PledgePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.mark_delivered(
                context.session, actor=context.principal, pledge_id=_pledge_pk(input.id)
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Confirm the household received a pledge, optionally thanking the helper. The "
            "household's representative, caseworkers covering it, admins."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def pledge_confirm_receipt(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PledgeConfirmReceiptInput],
    ) -> PledgePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.confirm_receipt(
                context.session,
                actor=context.principal,
                pledge_id=_pledge_pk(input.id),
                thank_you_message=input.thank_you_message,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Add, replace or remove the household's thank-you for a pledge it confirmed, at "
            "any time after confirming. The household's representative, caseworkers covering "
            "it (on its behalf), admins."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def pledge_thank_you_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[PledgeThankYouSetInput],
    ) -> PledgePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_thank_you(
                context.session,
                actor=context.principal,
                pledge_id=_pledge_pk(input.id),
                message=input.message,
            ),
        )
        return _payload(row, errors)

    @strawberry.mutation(
        description=(
            "Post a progress update on a request the household received help for. The "
            "household's representative, caseworkers covering it (on its behalf), admins."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def progress_update_post(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProgressUpdatePostInput],
    ) -> ProgressUpdatePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.post_progress_update(
                context.session,
                actor=context.principal,
                instance=context.settings.instance,
                request_id=decode_int_id(input.request, "HelpRequest", field="request"),
                body=input.body,
                language=input.language or context.locale,
            ),
        )
        return _update_payload(row, errors)

    @strawberry.mutation(
        description=(
            "Add, replace or remove a progress update's text in one more locale. Same roles "
            "as progressUpdatePost."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def progress_update_translation_set(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProgressUpdateTranslationSetInput],
    ) -> ProgressUpdatePayload | None:
        context = info.context
        row, errors = run_service(
            info,
            lambda: service.set_progress_update_translation(
                context.session,
                actor=context.principal,
                locales=context.settings.instance.locales,
                update_id=_update_pk(input.id),
                locale=input.locale,
                body=input.body,
            ),
        )
        return _update_payload(row, errors)

    @strawberry.mutation(
        description=(
            "Take a progress update down, with its translations (e.g. it named someone). Same "
            "roles as progressUpdatePost."
        ),
        extensions=requires(*HOUSEHOLD_SIDE),
    )
    def progress_update_remove(
        self,
        info: strawberry.Info[Context, Any],
        input: MutationInput[ProgressUpdateRemoveInput],
    ) -> ProgressUpdateRemovePayload | None:
        from api.help_requests.types import HelpRequest

        context = info.context
        row, errors = run_service(
            info,
            lambda: service.remove_progress_update(
                context.session, actor=context.principal, update_id=_update_pk(input.id)
            ),
        )
        node = HelpRequest.from_row(row, [row]) if row else None
        return ProgressUpdateRemovePayload(help_request=node, errors=errors)
