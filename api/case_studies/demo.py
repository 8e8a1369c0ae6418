"""Demo case studies: twelve stories (ten published, one in review, one draft), each in a
county with projects, linked to its projects, to a few public households there and to up
to two ACTIVE or COMPLETED enterprise-village pairings in its region (if any). Run after the
projects and pairing demos (see api.demo.generate.SECTION_GENERATORS). A handful are
translated into Simplified Chinese or French."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from api.case_studies.models import (
    CaseStudy,
    CaseStudyCause,
    CaseStudyHousehold,
    CaseStudyPairing,
    CaseStudyProject,
    CaseStudyStatus,
    CaseStudyTranslation,
    InterventionType,
)
from api.case_studies.service import CASE_STUDY_TEXT
from api.core.settings import Instance
from api.core.translations import digest_of
from api.core.validation import minor_unit_digits
from api.households.models import Household, VerificationStatus
from api.pairing.models import PUBLIC_STATUSES as PUBLIC_PAIRING_STATUSES
from api.pairing.models import Pairing, PairingKind
from api.projects.models import PUBLIC_PROJECT_STATUSES, Project
from api.regions.models import Region

COUNT = 12
PAIRINGS_PER_STUDY = 2
_STORIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "Apples sold on WeChat",
        InterventionType.E_COMMERCE,
        "Growers with good orchards but no buyers opened a shared online shop and sold ten "
        "tons of apples in a week.",
        "Train one young person per village to run the shop; pool the parcels.",
    ),
    (
        "A tea cooperative on the hills",
        InterventionType.INDUSTRY,
        "Smallholders pooled their land into a cooperative and sell branded tea.",
        "Shares in the cooperative keep the poorest households in the profits.",
    ),
    (
        "From the mountain to the town",
        InterventionType.RELOCATION,
        "Families living where no road could reach moved to new homes near jobs.",
        "Relocation works only with a job for every household on arrival.",
    ),
    (
        "Insurance against illness",
        InterventionType.HEALTH,
        "Critical-illness cover stopped medical bills from pushing families back.",
        "Pay premiums for the registered poor directly; paperwork loses people.",
    ),
    (
        "Workshops in the village",
        InterventionType.EMPLOYMENT,
        "Small workshops brought assembly jobs to people who cannot migrate.",
        "Flexible hours let carers and older workers take part.",
    ),
    (
        "A road to market",
        InterventionType.INFRASTRUCTURE,
        "A paved road cut the trip to market from a day to an hour.",
        "Plan the road with the cooperatives that will use it.",
    ),
    (
        "Skills for young people",
        InterventionType.EDUCATION,
        "Vocational school places led to steady jobs for the first generation.",
        "Cover boarding costs, not only fees.",
    ),
    (
        "An enterprise paired with a village",
        InterventionType.PAIRING,
        "A company bought the village's produce at a fair price for three years.",
        "Multi-year purchase commitments matter more than one-off donations.",
    ),
    (
        "Small loans for goats",
        InterventionType.MICROFINANCE,
        "Interest-free loans bought breeding goats; the loans were repaid in two years.",
        "Group guarantees keep repayment high.",
    ),
    (
        "Mushrooms under cover",
        InterventionType.INDUSTRY,
        "Greenhouse mushrooms gave income through the winter months.",
        "Start with a demonstration greenhouse run by a returning migrant.",
    ),
    (
        "Clean water at home",
        InterventionType.INFRASTRUCTURE,
        "Piped water freed hours a day for work and school.",
        "Villagers maintain it best when they helped build it.",
    ),
    (
        "Forest rangers from poor households",
        InterventionType.OTHER,
        "Ecological ranger posts gave steady wages while protecting the forest.",
        "Choose rangers from registered households by open lottery.",
    ),
)

# A handful of stories (by index in _STORIES) translated, so the list shows translated
# text: (locale, title, summary, lessons); the story is the summary and the lessons.
_TRANSLATED: dict[int, tuple[str, str, str, str]] = {
    0: (
        "zh_Hans",
        "微信上卖苹果",
        "果园很好却没有买家的果农开了一家共享网店。一周卖出十吨苹果。",
        "每个村培训一名年轻人经营网店。合并包裹。",
    ),
    1: (
        "fr",
        "Une coopérative de thé sur les collines",
        "Les petits exploitants ont mis leurs terres en coopérative et vendent un thé de marque.",
        "Les parts de la coopérative gardent les ménages les plus pauvres dans les bénéfices.",
    ),
    3: (
        "zh_Hans",
        "大病保险",
        "大病保险让医疗费用不再把家庭推回贫困。",
        "直接为建档立卡贫困户缴纳保费。手续会让人掉队。",
    ),
    5: (
        "fr",
        "Une route vers le marché",
        "Une route goudronnée a réduit le trajet au marché d'une journée à une heure.",
        "Planifiez la route avec les coopératives qui l'utiliseront.",
    ),
    10: (
        "zh_Hans",
        "自来水进家门",
        "自来水每天为工作和上学省出几个小时。",
        "村民亲手参与修建。维护得最好。",
    ),
}


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    projects = session.execute(
        sa.select(Project.id, Project.region_id, Project.region_path)  # type: ignore[call-overload]
        .where(Project.status.in_(PUBLIC_PROJECT_STATUSES))  # type: ignore[attr-defined]
        .order_by(Project.id)
    ).all()
    if not projects:
        regions = session.execute(
            sa.select(Region.id, Region.path).order_by(Region.id).limit(COUNT)  # type: ignore[call-overload]
        ).all()
        if not regions:
            return
        places = [(None, r.id, r.path) for r in regions]
    else:
        places = [(p.id, p.region_id, p.region_path) for p in projects]
    causes = [entry.code for entry in instance.poverty_causes]
    unit = 10 ** minor_unit_digits(instance.default_currency)
    public_households = session.execute(
        sa.select(Household.id, Region.path)  # type: ignore[call-overload]
        .join(Region, Region.id == Household.region_id)
        .where(
            Household.verification_status == VerificationStatus.VERIFIED,
            Household.consent_to_publish.is_(True),  # type: ignore[attr-defined]
        )
        .order_by(Household.id)
        .limit(5_000)
    ).all()
    village_pairings = session.execute(
        sa.select(Pairing.id, Pairing.region_path)  # type: ignore[call-overload]
        .where(
            Pairing.kind == PairingKind.ENTERPRISE_VILLAGE,
            Pairing.status.in_(PUBLIC_PAIRING_STATUSES),  # type: ignore[attr-defined]
        )
        .order_by(Pairing.id)
        .limit(5_000)
    ).all()
    links: dict[str, list[dict[str, Any]]] = {
        "cause": [],
        "project": [],
        "household": [],
        "pairing": [],
        "translation": [],
    }
    # Written in English; an instance without English gets its default.
    language = "en" if "en" in instance.locales else instance.default_locale
    for i in range(COUNT):
        title, intervention, summary, lessons = _STORIES[i % len(_STORIES)]
        project_id, region_id, region_path = places[(i * 7) % len(places)]
        status = (
            CaseStudyStatus.DRAFT
            if i == COUNT - 1
            else CaseStudyStatus.IN_REVIEW
            if i == COUNT - 2
            else CaseStudyStatus.PUBLISHED
        )
        published = datetime.combine(
            today - timedelta(days=rng.randint(5, 400)), time(0, 0), tzinfo=UTC
        )
        before = rng.randint(1_500, 3_500) * unit
        case_study = CaseStudy(
            source_language=language,
            title=title,
            summary=summary,
            story=summary + " " + lessons,
            lessons=lessons,
            region_id=region_id,
            region_path=region_path,
            intervention_type=intervention,
            currency=instance.default_currency,
            income_before_minor=before,
            income_after_minor=before + rng.randint(800, 4_000) * unit,
            households_lifted_out=rng.randint(10, 400),
            jobs_created=rng.randint(0, 150),
            status=status,
            submitted_at=published if status != CaseStudyStatus.DRAFT else None,
            published_at=published if status == CaseStudyStatus.PUBLISHED else None,
            created_at=published - timedelta(days=14),
            updated_at=published,
        )
        session.add(case_study)
        session.flush()
        translated = _TRANSLATED.get(i % len(_STORIES))
        if translated is not None and translated[0] in instance.locales:
            locale, t_title, t_summary, t_lessons = translated
            links["translation"].append(
                {
                    "case_study_id": case_study.id,
                    "locale": locale,
                    "title": t_title,
                    "summary": t_summary,
                    "story": t_summary + " " + t_lessons,
                    "lessons": t_lessons,
                    "source_digest": digest_of(CASE_STUDY_TEXT, case_study),
                    "updated_at": published,
                }
            )
        for code in rng.sample(causes, min(2, len(causes))):
            links["cause"].append({"case_study_id": case_study.id, "cause_code": code})
        if project_id is not None:
            links["project"].append({"case_study_id": case_study.id, "project_id": project_id})
        nearby = [hid for hid, path in public_households if path.startswith(region_path)]
        for household_id in rng.sample(nearby, min(3, len(nearby))):
            links["household"].append(
                {"case_study_id": case_study.id, "household_id": household_id}
            )
        # Chosen without the random generator, so the sections after this one are unchanged.
        paired = [pid for pid, path in village_pairings if path.startswith(region_path)]
        for pairing_id in paired[:PAIRINGS_PER_STUDY]:
            links["pairing"].append({"case_study_id": case_study.id, "pairing_id": pairing_id})
    tables: dict[str, Any] = {
        "cause": CaseStudyCause.__table__,  # type: ignore[attr-defined]
        "project": CaseStudyProject.__table__,  # type: ignore[attr-defined]
        "household": CaseStudyHousehold.__table__,  # type: ignore[attr-defined]
        "pairing": CaseStudyPairing.__table__,  # type: ignore[attr-defined]
        "translation": CaseStudyTranslation.__table__,  # type: ignore[attr-defined]
    }
    for kind, table in tables.items():
        if links[kind]:
            session.execute(sa.insert(table), links[kind])
    session.flush()
