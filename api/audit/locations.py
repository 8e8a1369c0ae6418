"""Where the subject of an audit event is: the household it concerns, if any, and the
region path of that household or of the subject's own area.

Looked up once, when the event is written, so the trail can be read by household and by
a caseworker's area. A subject type not listed here is not located: its events are
visible to platform admins only, until its domain passes `household_id` / `region_path`
to `record_audit` or adds a locator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.case_studies.models import CaseStudy
from api.crowdfunding.models import Campaign
from api.donation.models import Donation, TargetKind
from api.help_requests.models import HelpRequest
from api.households.models import Household
from api.pairing.models import Pairing
from api.pledges.models import Pledge
from api.projects.models import Project
from api.regions.models import Region

Location = tuple[int | None, str | None]  # (household id, region path)


def _household(session: Session, household_id: int) -> Location:
    path = session.exec(
        select(Region.path)
        .join(Household, col(Household.region_id) == Region.id)
        .where(Household.id == household_id)
    ).first()
    return (household_id, path) if path is not None else (None, None)


def _help_request(session: Session, request_id: int) -> Location:
    household_id = session.exec(
        select(HelpRequest.household_id).where(HelpRequest.id == request_id)
    ).first()
    return _household(session, household_id) if household_id is not None else (None, None)


def _pledge(session: Session, pledge_id: int) -> Location:
    household_id = session.exec(
        select(HelpRequest.household_id)
        .join(Pledge, col(Pledge.request_id) == HelpRequest.id)
        .where(Pledge.id == pledge_id)
    ).first()
    return _household(session, household_id) if household_id is not None else (None, None)


def _pairing(session: Session, pairing_id: int) -> Location:
    row = session.exec(
        select(Pairing.household_id, Pairing.region_path).where(Pairing.id == pairing_id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _campaign(session: Session, campaign_id: int) -> Location:
    row = session.exec(
        select(Campaign.household_id, Campaign.region_path).where(Campaign.id == campaign_id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _region_of(model: Any) -> Callable[[Session, int], Location]:
    def locate(session: Session, subject_id: int) -> Location:
        path = session.exec(
            select(Region.path)
            .join(model, col(model.region_id) == Region.id)
            .where(col(model.id) == subject_id)
        ).first()
        return (None, path)

    return locate


def _donation(session: Session, donation_id: int) -> Location:
    row = session.exec(
        select(HelpRequest.household_id, Donation.target_region_path)
        .select_from(Donation)
        .outerjoin(
            HelpRequest,
            sa.and_(
                col(Donation.target_kind) == TargetKind.HELP_REQUEST,
                col(HelpRequest.id) == Donation.target_id,
            ),
        )
        .where(Donation.id == donation_id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


LOCATORS: dict[str, Callable[[Session, int], Location]] = {
    "Household": _household,
    "HelpRequest": _help_request,
    "Pledge": _pledge,
    "Pairing": _pairing,
    "Campaign": _campaign,
    "Project": _region_of(Project),
    "CaseStudy": _region_of(CaseStudy),
    "Donation": _donation,
}


def locate(session: Session, subject_type: str, subject_id: int) -> Location:
    locator = LOCATORS.get(subject_type)
    return locator(session, subject_id) if locator is not None else (None, None)
