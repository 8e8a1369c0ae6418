"""What a donation can go to. Each kind of target is a source registered by name; the
projects and crowdfunding sections register theirs with `register_target_source` (see
the end of this module for help requests and the general fund).

A source answers three questions: may a new donation go to this target (and in which
currency), what is its public title, and which organisation (helper profile) manages it,
if any: that organisation's admins may reconcile and refund donations to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session, col, select

from api.core.errors import ErrorCode, ServiceError
from api.donation.models import TargetKind
from api.help_requests.models import HelpRequest, RequestStatus
from api.help_requests.service import public_requests_condition
from api.ledger.service import GENERAL_FUND


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    id: int | None
    # Only this currency is accepted, or any when None.
    currency: str | None
    region_path: str | None
    managed_by_helper_id: int | None = None


class TargetSource(Protocol):
    # The GraphQL type whose global ID names a target of this kind ("HelpRequest").
    type_name: str
    # The ledger account prefix of its funds ("request" gives "request:42").
    account_prefix: str

    def accepting(self, session: Session, target_id: int) -> Target:
        """The target, if it takes donations now; else ServiceError on field `target`."""
        ...

    def titles(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        """Public titles by id; targets no longer public are left out."""
        ...

    def managers(self, session: Session, ids: Iterable[int]) -> dict[int, int]:
        """The managing helper profile by target id, where there is one."""
        ...


_sources: dict[TargetKind, TargetSource] = {}


def register_target_source(kind: TargetKind, source: TargetSource) -> None:
    _sources[kind] = source


def source_for(kind: TargetKind) -> TargetSource | None:
    return _sources.get(kind)


def account_for(kind: str, target_id: int | None) -> str:
    """The ledger account holding the donations to a target."""
    if kind == TargetKind.GENERAL_FUND or target_id is None:
        return GENERAL_FUND
    source = _sources.get(TargetKind(kind))
    if source is None:
        raise LookupError(f"no donation target source for {kind}")
    return f"{source.account_prefix}:{target_id}"


def accepting_target(session: Session, kind: TargetKind, target_id: int | None) -> Target:
    if kind == TargetKind.GENERAL_FUND:
        return Target(kind=kind, id=None, currency=None, region_path=None)
    source = _sources.get(kind)
    if source is None or target_id is None:
        # Not built on this instance yet (projects, campaigns): nothing to give to.
        raise ServiceError(ErrorCode.NOT_FOUND, field="target")
    return source.accepting(session, target_id)


def titles(
    session: Session, wanted: Iterable[tuple[str, int | None]]
) -> dict[tuple[str, int], str]:
    """Public titles of many targets, one statement per kind."""
    by_kind: dict[str, set[int]] = {}
    for kind, target_id in wanted:
        if target_id is not None:
            by_kind.setdefault(kind, set()).add(target_id)
    found: dict[tuple[str, int], str] = {}
    for kind, ids in by_kind.items():
        source = _sources.get(TargetKind(kind))
        if source is not None:
            found |= {(kind, i): title for i, title in source.titles(session, ids).items()}
    return found


# --- Help requests ---------------------------------------------------------------------------

# A money request takes donations while people can still see and help it.
DONATABLE_STATUSES = (RequestStatus.OPEN, RequestStatus.PLEDGED)


class HelpRequestSource:
    """Donations to a help request are held in its fund account ("request:42") until staff
    disburse them to the household (api/disbursements). They are not pledges: they leave
    the request's pledged amount alone; its `received`, `remaining`, `held` and `disbursed`
    figures read the fund and the disbursements (api/help_requests/types.py)."""

    type_name = "HelpRequest"
    account_prefix = "request"

    def accepting(self, session: Session, target_id: int) -> Target:
        request = session.exec(
            select(HelpRequest)
            .where(HelpRequest.id == target_id)
            .where(public_requests_condition())
        ).first()
        if request is None:
            raise ServiceError(ErrorCode.NOT_FOUND, field="target")
        if request.status not in DONATABLE_STATUSES or request.currency is None:
            # In-kind requests take goods, not money; closed ones take nothing.
            raise ServiceError(ErrorCode.INVALID_STATE, field="target")
        return Target(
            kind=TargetKind.HELP_REQUEST,
            id=target_id,
            currency=request.currency,
            region_path=request.region_path,
        )

    def titles(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        rows = session.exec(
            select(HelpRequest.id, HelpRequest.title)
            .where(col(HelpRequest.id).in_(sorted(set(ids))))
            .where(public_requests_condition())
        ).all()
        return {int(i): title for i, title in rows if i is not None}

    def managers(self, session: Session, ids: Iterable[int]) -> dict[int, int]:
        return {}


register_target_source(TargetKind.HELP_REQUEST, HelpRequestSource())
