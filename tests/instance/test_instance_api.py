"""What the instance tells clients: its money settings, with preset gift amounts."""

from __future__ import annotations

QUERY = """{ instance { defaultCurrency currencies maxAmountMinor smallCountThreshold
  suggestedAmounts { amountMinor currency formatted } } }"""


def test_suggested_amounts_come_per_currency_formatted(api):
    instance = api.data(QUERY)["instance"]
    assert instance["currencies"] == ["USD", "CNY"]
    suggested = [(m["currency"], m["amountMinor"]) for m in instance["suggestedAmounts"]]
    # USD from the instance file; CNY, not configured, 10, 25, 50 and 100 yuan.
    assert suggested == [
        ("USD", 1000), ("USD", 2500), ("USD", 5000), ("USD", 10000),
        ("CNY", 1000), ("CNY", 2500), ("CNY", 5000), ("CNY", 10000),
    ]  # fmt: skip
    assert instance["suggestedAmounts"][0]["formatted"] == "$10.00"
    french = api.data(QUERY, locale="fr")["instance"]["suggestedAmounts"]
    assert french[3]["formatted"] == "100,00\xa0$US"
