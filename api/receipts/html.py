"""The printable receipt of the organisation, whatever it is for (a donation, a campaign
backing): one self-contained HTML fragment in which every value is escaped, so a receipt
looks the same and is equally safe to show wherever it comes from."""

from __future__ import annotations

import html
from collections.abc import Sequence


def receipt_html(
    *,
    css_class: str,
    locale: str,
    heading: str,
    issuer: str,
    rows: Sequence[tuple[str, str]],
    closing: str,
) -> str:
    """A `<section>` with the heading, the issuer, a table of (label, value) rows and a
    closing line; labels and values are already in the reader's language."""
    cells = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th><td>{html.escape(value)}</td></tr>'
        for label, value in rows
    )
    return (
        f'<section class="{html.escape(css_class)}" '
        f'lang="{html.escape(locale.replace("_", "-"))}">'
        f"<h1>{html.escape(heading)}</h1>"
        f"<p>{html.escape(issuer)}</p>"
        f"<table>{cells}</table>"
        f"<p>{html.escape(closing)}</p></section>"
    )
