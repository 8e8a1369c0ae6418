"""Demo translations of help requests: a handful of published requests of the demo
instance (api/demo/generate.py writes them in English) get their title and description in
Simplified Chinese or French, alternately, so the request list shows translated text.
Deterministic: the lowest ids among the requests whose title is translated below; no
random draws, so the sections generated after this one are unchanged. Written in bulk."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.core.settings import Instance
from api.core.translations import digest_of
from api.help_requests.models import PUBLIC_STATUSES, HelpRequest, HelpRequestTranslation
from api.help_requests.service import REQUEST_TEXT

COUNT = 8
# English titles of money requests in the demo vocabulary: (Chinese, French).
TITLES: dict[str, tuple[str, str]] = {
    "School fees for the second child": ("二孩的学费", "Frais de scolarité du deuxième enfant"),
    "Boarding costs for a middle-school pupil": (
        "初中生的住宿费",
        "Frais d'internat d'un collégien",
    ),
    "Surgery costs after a hip fracture": (
        "髋部骨折手术费",
        "Frais d'opération après une fracture de la hanche",
    ),
    "Medicine for a chronic illness": ("慢性病药费", "Médicaments pour une maladie chronique"),
    "Repairing a leaking roof": ("修补漏雨的屋顶", "Réparer un toit qui fuit"),
    "Piglets to restart a small farm": (
        "买仔猪重建小养殖场",
        "Des porcelets pour relancer une petite ferme",
    ),
    "A greenhouse for vegetables": ("种菜的大棚", "Une serre pour les légumes"),
    "Tools to work as a carpenter": ("木工工具", "Des outils pour travailler comme menuisier"),
    "Heating for the winter": ("冬季取暖", "Le chauffage pour l'hiver"),
    "Food for the coming month": ("下个月的口粮", "La nourriture du mois prochain"),
}
# The original description is "<head> asks for help: <title>. The household has been
# visited by the village committee, which confirmed the need."
DESCRIPTIONS = {
    "zh_Hans": "{head}请求帮助。{title}。村委会已走访该户并确认了需求。",
    "fr": (
        "{head} demande de l'aide : {title}. Le comité du village a rendu visite au ménage "
        "et confirmé le besoin."
    ),
}


def generate(session: Session, *, rng: random.Random, instance: Instance, today: date) -> None:
    """Translate up to COUNT published English requests (run after the requests exist)."""
    del rng, today  # deterministic without them
    locales = [tag for tag in ("zh_Hans", "fr") if tag in instance.locales]
    if not locales:
        return
    requests = session.exec(
        select(HelpRequest)
        .where(
            col(HelpRequest.status).in_(PUBLIC_STATUSES),
            col(HelpRequest.source_language) == "en",
            col(HelpRequest.title).in_(sorted(TITLES)),
        )
        .order_by(col(HelpRequest.id))
        .limit(COUNT)
    ).all()
    rows: list[dict[str, Any]] = []
    for index, request in enumerate(requests):
        locale = locales[index % len(locales)]
        chinese, french = TITLES[request.title]
        title = chinese if locale == "zh_Hans" else french
        head = request.description.split(" asks for help", 1)[0]
        rows.append(
            {
                "help_request_id": request.id,
                "locale": locale,
                "title": title,
                "description": DESCRIPTIONS[locale].format(
                    head=head, title=title if locale == "zh_Hans" else title.lower()
                ),
                "source_digest": digest_of(REQUEST_TEXT, request),
                "updated_at": request.published_at or request.created_at,
            }
        )
    if rows:
        session.execute(sa.insert(HelpRequestTranslation.__table__), rows)  # type: ignore[attr-defined]
