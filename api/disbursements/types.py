"""Disbursements as GraphQL sees them, and the public transparency figures. Nodes of one
page share their rows, so what a field loads (confirmations, households, public codes)
loads for the whole page in one statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from api.disbursements import loaders, models, service
from api.disbursements.models import Disbursement as DisbursementRow
from api.graphql.context import Context
from api.graphql.enums import graphql_enum
from api.graphql.money import MinorUnits, Money
from api.graphql.nodes import LoadedNode
from api.households.types import Household, households_by_id
from api.stats.types import SuppressionReason, suppression_reason

DisbursementSource = graphql_enum(
    models.DisbursementSource,
    name="DisbursementSource",
    description="The fund a disbursement is paid from.",
    values={
        "TARGET_FUND": "The target's own fund: the donations to a help request or a project, "
        "or the money a succeeded campaign released to its beneficiary (campaign status "
        "DISBURSED). Caseworkers covering the target's region and platform admins pay from it.",
        "GENERAL_FUND": "The instance's general fund, allocated where it is needed; only "
        "platform admins pay from it.",
    },
)

DisbursementTargetKind = graphql_enum(
    models.DisbursementTargetKind,
    name="DisbursementTargetKind",
    description="What a disbursement paid.",
    values={
        "HELP_REQUEST": "A household's money request, paid to the household.",
        "PROJECT": "A poverty-alleviation project.",
        "CAMPAIGN": "A crowdfunding campaign's beneficiary.",
        "HOUSEHOLD": "A household, paid directly.",
    },
)

# The GraphQL type whose global ID names each kind of target.
TARGET_TYPE_NAMES = {
    models.DisbursementTargetKind.HELP_REQUEST: "HelpRequest",
    models.DisbursementTargetKind.PROJECT: "Project",
    models.DisbursementTargetKind.CAMPAIGN: "Campaign",
    models.DisbursementTargetKind.HOUSEHOLD: "Household",
}


def _money(amount_minor: int, currency: str) -> Money:
    return Money(amount_minor=MinorUnits(amount_minor), currency=currency)


@strawberry.type(description="Who or what a disbursement paid.")
class DisbursementTarget:
    row: strawberry.Private[DisbursementRow]
    page: strawberry.Private[list[DisbursementRow]]

    @strawberry.field(description="The kind of beneficiary.")
    def kind(self) -> models.DisbursementTargetKind:
        return models.DisbursementTargetKind(self.row.target_kind)

    @strawberry.field(
        description="The global ID of the help request, project, campaign or household."
    )
    def id(self, info: strawberry.Info[Context, Any]) -> relay.GlobalID:
        kind = models.DisbursementTargetKind(self.row.target_kind)
        node_id = str(self.row.target_id)
        if kind == models.DisbursementTargetKind.HOUSEHOLD:
            household_id = self.row.household_id
            assert household_id is not None, "a household disbursement names its household"
            codes = loaders.household_code.many(info.context, [r.household_id for r in self.page])
            node_id = codes[household_id]
        return relay.GlobalID(TARGET_TYPE_NAMES[kind], node_id)

    @strawberry.field(
        description="The household that received the money (its view follows the Household "
        "type's rules): the request's household, the campaign's household, or the household "
        "paid directly; null for projects and for village or project campaigns."
    )
    def household(self, info: strawberry.Info[Context, Any]) -> Household | None:
        if self.row.household_id is None:
            return None
        ids = [r.household_id for r in self.page if r.household_id is not None]
        found = households_by_id(info.context, ids)
        return found.get(self.row.household_id)


@strawberry.type(
    description=(
        "Money paid out of a fund to a beneficiary, recorded by staff with the evidence of "
        "the transfer. On the ledger it leaves the fund (debit the fund, credit "
        "cash:payouts) and it is never changed afterwards; the household it paid may "
        "confirm receiving it. Seen by platform admins, caseworkers whose area contains the "
        "beneficiary, and the representative of the household it paid; for anyone else it "
        "does not exist (null, as for an unknown ID). Totals are public: `fundTotals`, "
        "`moneyTotals`."
    )
)
class Disbursement(LoadedNode, relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[DisbursementRow]
    page: strawberry.Private[list[DisbursementRow]]

    @strawberry.field(
        description="Which fund the money left: the target's own fund or the general fund."
    )
    def source(self) -> models.DisbursementSource:
        return models.DisbursementSource(self.row.source)

    @strawberry.field(description="Who or what it paid.")
    def target(self) -> DisbursementTarget:
        return DisbursementTarget(row=self.row, page=self.page)

    @strawberry.field(description="The amount paid out, in the fund's currency.")
    def amount(self) -> Money:
        return _money(self.row.amount_minor, self.row.currency)

    @strawberry.field(
        description="The bank transfer, mobile-money or cash-book reference that proves the "
        "payment, as recorded."
    )
    def evidence_reference(self) -> str:
        return self.row.evidence_reference

    @strawberry.field(description="A note from the staff member who recorded it.")
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field(description="When it was recorded.")
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(
        description="True when the beneficiary is a household, which can confirm receiving "
        "the money with disbursementConfirmReceipt; false for projects and for village or "
        "project campaigns."
    )
    def confirmable(self) -> bool:
        return service.may_confirm(self.row)

    @strawberry.field(
        description="When the household confirmed receiving the money; null until then (and "
        "always when not `confirmable`)."
    )
    def confirmed_at(self, info: strawberry.Info[Context, Any]) -> datetime | None:
        found = loaders.confirmed_at.many(info.context, [r.id for r in self.page])
        return found.get(self.row.id) if self.row.id is not None else None

    @classmethod
    def from_rows(cls, rows: list[DisbursementRow]) -> list[Self]:
        return [cls(id=row.id, row=row, page=rows) for row in rows if row.id is not None]

    @classmethod
    def load_nodes(cls, context: Context, keys: list[int]) -> dict[int, Self]:
        found = service.disbursements_by_id(context.session, context.principal, keys)
        return {node.id: node for node in cls.from_rows(list(found.values()))}


@strawberry.type(
    description=(
        "One currency of a fund: what came in, what was paid out of it, what it holds now. "
        "received = paidOut + held."
    )
)
class FundTotals:
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    received: Money = strawberry.field(
        description="Money that came into the fund and stayed: donations received net of "
        "refunds (for a campaign, the money it released when it succeeded)."
    )
    paid_out: Money = strawberry.field(
        description="Money paid out of the fund to beneficiaries (disbursements)."
    )
    held: Money = strawberry.field(description="Money the fund holds now, waiting to be paid out.")

    @classmethod
    def of(cls, flow: service.FundFlow) -> Self:
        return cls(
            currency=flow.currency,
            received=_money(flow.received, flow.currency),
            paid_out=_money(flow.paid_out, flow.currency),
            held=_money(flow.held, flow.currency),
        )


@strawberry.type(
    description=(
        "Where donated money went in one area (or the whole instance), in one currency, "
        "never converted. Public; for everyone but staff covering the area, every figure of "
        "an area below the instance's public level is withheld, and `disbursed` and `held` "
        "where fewer households than `InstanceInfo.smallCountThreshold` were paid there "
        "(null, with the reason in `suppressed`)."
    )
)
class MoneyTotals:
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    received: Money | None = strawberry.field(
        description="Donations received for help requests and projects in the area, net of "
        "refunds; for the whole instance, every donation (the general fund too). Null when "
        "withheld."
    )
    disbursed: Money | None = strawberry.field(
        description="Money paid out to beneficiaries in the area (households, projects, "
        "campaigns) from any fund: donations to them, the general fund, or what a succeeded "
        "campaign released. Null when withheld."
    )
    held: Money | None = strawberry.field(
        description="Donations for help requests and projects in the area (for the whole "
        "instance, every donation) not paid out yet. Null when withheld."
    )
    suppressed: SuppressionReason | None = strawberry.field(
        description="Why figures are null (withheld from you); null when they are shown."
    )

    @classmethod
    def of(cls, area: service.AreaMoney) -> Self:
        def shown(value: int | None) -> Money | None:
            return None if value is None else _money(value, area.currency)

        return cls(
            currency=area.currency,
            received=shown(area.received),
            disbursed=shown(area.disbursed),
            held=shown(area.held),
            suppressed=suppression_reason(area.withheld),
        )
