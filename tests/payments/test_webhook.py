"""The webhook provider: a gateway confirms by an HMAC-signed callback; bad signatures,
stale timestamps and replays are refused and write nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from api.donation.models import Donation, DonationStatus
from api.ledger.models import LedgerTransaction
from api.payments.models import PaymentEvent, PaymentStatus
from api.payments.webhook import sign
from tests.donation import factories as d

SECRET = "whsec_" + "s" * 32
URL = "/payments/webhook/webhook"


@pytest.fixture
def client(world, api, monkeypatch) -> Iterator[httpx.Client]:
    """Real HTTP to the live server, where api/app.py mounts the webhook route."""
    monkeypatch.setenv("AIDBRIDGE_WEBHOOK_SECRET", SECRET)
    yield api.http


def event(
    reference: str, *, kind: str = "payment.succeeded", event_id: str = "evt_1", amount: int = 2_500
) -> bytes:
    body = {
        "id": event_id,
        "type": kind,
        "data": {
            "reference": reference,
            "amount_minor": amount,
            "currency": "USD",
            "external_reference": "ch_1",
        },
    }
    return json.dumps(body).encode()


def post(client: httpx.Client, body: bytes, *, secret: str = SECRET, at: int | None = None):
    header = sign(secret, body, at if at is not None else int(time.time()))
    return client.post(URL, content=body, headers={"Aidbridge-Signature": header})


def pending_webhook_donation(world) -> tuple[int, str]:
    return d.donate(world.engine, world.settings, provider="webhook")


def test_a_validly_signed_success_receives_the_donation(world, client):
    donation_id, reference = pending_webhook_donation(world)

    response = post(client, event(reference))

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "processed"}
    row = d.row(world.engine, donation_id)
    assert row.status == DonationStatus.RECEIVED and row.receipt_number
    assert d.payment(world.engine, reference).external_reference == "ch_1"
    assert d.balance(world.engine, "cash:webhook") == 2_500
    assert d.balance(world.engine, "fund:general") == 2_500


def test_a_failure_event_fails_the_donation_without_ledger_entries(world, client):
    donation_id, reference = pending_webhook_donation(world)
    response = post(client, event(reference, kind="payment.failed"))
    assert response.status_code == 200
    assert d.row(world.engine, donation_id).status == DonationStatus.FAILED
    assert d.payment(world.engine, reference).status == PaymentStatus.FAILED
    assert d.count(world.engine, LedgerTransaction) == 0


@pytest.mark.parametrize(
    "header",
    ["", "t=1", "v1=abc", "t=notanumber,v1=abc", "t=1700000000,v1=" + "0" * 64],
)
def test_a_missing_or_malformed_signature_is_refused(world, client, header):
    donation_id, reference = pending_webhook_donation(world)
    response = client.post(URL, content=event(reference), headers={"Aidbridge-Signature": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert d.row(world.engine, donation_id).status == DonationStatus.PENDING


def test_a_signature_with_another_secret_or_over_another_body_is_refused(world, client):
    donation_id, reference = pending_webhook_donation(world)
    assert post(client, event(reference), secret="wrong" * 8).status_code == 401
    body = event(reference)
    header = sign(SECRET, body, int(time.time()))
    tampered = body.replace(b"2500", b"2501")
    response = client.post(URL, content=tampered, headers={"Aidbridge-Signature": header})
    assert response.status_code == 401
    assert d.row(world.engine, donation_id).status == DonationStatus.PENDING
    assert d.count(world.engine, PaymentEvent) == 0


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_stale_or_future_timestamp_is_refused(world, client, skew):
    donation_id, reference = pending_webhook_donation(world)
    response = post(client, event(reference), at=int(time.time()) + skew)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "STALE_EVENT"
    assert d.row(world.engine, donation_id).status == DonationStatus.PENDING


def test_a_replayed_event_is_refused(world, client):
    _, reference = pending_webhook_donation(world)
    body = event(reference)
    assert post(client, body).status_code == 200

    replay = post(client, body)

    assert replay.status_code == 409
    assert replay.json()["error"]["code"] == "REPLAYED_EVENT"
    assert d.count(world.engine, LedgerTransaction) == 1
    assert d.count(world.engine, PaymentEvent) == 1


def test_a_second_event_for_a_settled_payment_changes_nothing(world, client):
    donation_id, reference = pending_webhook_donation(world)
    assert post(client, event(reference, event_id="evt_a")).status_code == 200
    response = post(client, event(reference, event_id="evt_b", kind="payment.failed"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "INVALID_STATE"
    assert d.row(world.engine, donation_id).status == DonationStatus.RECEIVED
    # The refused event was rolled back with everything else.
    assert d.count(world.engine, PaymentEvent) == 1


def test_an_amount_that_differs_from_the_payment_is_refused(world, client):
    donation_id, reference = pending_webhook_donation(world)
    response = post(client, event(reference, amount=1))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "AMOUNT_MISMATCH"
    assert d.row(world.engine, donation_id).status == DonationStatus.PENDING
    assert d.count(world.engine, PaymentEvent) == 0


def test_unknown_payments_and_providers_are_not_found(world, client):
    assert post(client, event("PAY-NOPE")).status_code == 404
    offline_id, offline_reference = d.donate(world.engine, world.settings)
    response = client.post("/payments/webhook/offline", content=event(offline_reference))
    assert response.status_code == 404
    assert client.post("/payments/webhook/nope", content=b"{}").status_code == 404
    assert client.get(URL).status_code == 405
    assert d.row(world.engine, offline_id).status == DonationStatus.PENDING
    assert d.count(world.engine, Donation) == 1


def test_without_a_secret_the_endpoint_is_unavailable(world, client, monkeypatch):
    _, reference = pending_webhook_donation(world)
    monkeypatch.delenv("AIDBRIDGE_WEBHOOK_SECRET")
    response = post(client, event(reference))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "NOT_CONFIGURED"


FRENCH = {"x-aidbridge-locale": "fr"}
NO_PROVIDER_FR = "Ce prestataire de paiement n’existe pas."  # noqa: RUF001  (the catalog's)
NO_CALLBACKS_FR = "Ce prestataire n’utilise pas de rappels."  # noqa: RUF001


def refusal(response: httpx.Response) -> tuple[int, str, str, str]:
    error = response.json()["error"]
    return (
        response.status_code,
        error["code"],
        error["message"],
        response.headers["content-language"],
    )


def test_refusals_are_in_the_request_s_locale_with_the_same_codes(world, client, monkeypatch):
    _, reference = pending_webhook_donation(world)
    body = event(reference)
    assert refusal(client.get(URL)) == (405, "METHOD_NOT_ALLOWED", "Use POST.", "en")
    assert refusal(client.get(URL, headers=FRENCH)) == (
        405,
        "METHOD_NOT_ALLOWED",
        "Utilisez POST.",
        "fr",
    )
    response = client.post("/payments/webhook/nope", content=b"{}", headers=FRENCH)
    assert refusal(response) == (404, "NOT_FOUND", NO_PROVIDER_FR, "fr")
    response = client.post("/payments/webhook/offline", content=b"{}", headers=FRENCH)
    assert refusal(response) == (404, "NOT_FOUND", NO_CALLBACKS_FR, "fr")
    response = client.post(URL, content=body, headers={"accept-language": "zh-CN"})
    assert refusal(response) == (401, "INVALID_SIGNATURE", "签名标头格式不正确。", "zh-Hans")
    signature = {"Aidbridge-Signature": sign("other", body, int(time.time()))}
    response = client.post(URL, content=body, headers={**signature, **FRENCH})
    assert refusal(response) == (401, "INVALID_SIGNATURE", "La signature ne correspond pas.", "fr")
    nameless = json.dumps({"id": "", "type": "payment.succeeded", "data": {}}).encode()
    signature = {"Aidbridge-Signature": sign(SECRET, nameless, int(time.time()))}
    response = client.post(URL, content=nameless, headers={**signature, **FRENCH})
    assert refusal(response) == (400, "BAD_EVENT", "`id` doit être une chaîne non vide.", "fr")
    response = client.post(URL, content=nameless, headers=signature)
    assert refusal(response) == (400, "BAD_EVENT", "`id` must be a non-empty string.", "en")
    monkeypatch.delenv("AIDBRIDGE_WEBHOOK_SECRET")
    response = client.post(URL, content=body, headers=FRENCH)
    assert refusal(response) == (
        503,
        "NOT_CONFIGURED",
        "Les paiements par webhook ne sont pas configurés.",
        "fr",
    )
