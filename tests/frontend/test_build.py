"""The frontend build and how the app serves it, over real HTTP (no browser needed)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import httpx
import pytest

from api.frontend.build import SOURCE_DIR, build_site, frontend_messages, operation_documents
from tests.frontend.conftest import DemoSite

CALL = re.compile(r"""\b(?:_|ngettext|pgettext)\(\s*"((?:[^"\\]|\\.)*)\"""")


def test_every_ui_string_in_the_code_reaches_the_catalogs() -> None:
    """Calls inside template literals included: the extractor must see every `_("...")`."""
    keys = frontend_messages()
    called = set()
    for path in (SOURCE_DIR / "assets" / "js").rglob("*.js"):
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            called.add(json.loads(f'"{match.group(1)}"'))
    singulars = {key.split("\u0004")[-1] for key in keys}
    missing = sorted(text for text in called if text not in singulars)
    assert not missing, f"not extracted: {missing}"


def test_assets_are_fingerprinted_and_references_rewritten() -> None:
    site = build_site(api_url="https://api.example.org/graphql")
    index = site.files["index.html"].body.decode()
    stylesheet = re.search(r'href="/(assets/app\.[0-9a-f]{10}\.css)"', index)
    assert stylesheet and stylesheet.group(1) in site.files
    assert site.files[stylesheet.group(1)].immutable
    assert not site.files["index.html"].immutable and not site.files["config.js"].immutable
    assert b'"https://api.example.org/graphql"' in site.files["config.js"].body
    for name, built in site.files.items():
        if name.endswith(".js") and name != "config.js":
            for target in re.findall(rb'from "/([^"]+)"', built.body):
                assert target.decode() in site.files, f"{name} imports a missing {target!r}"


def test_the_operations_module_holds_every_frontend_document() -> None:
    documents = operation_documents()
    assert {"PageHome", "PageNeeds", "PageRequest", "FrontendDonationCreate"} <= set(documents)
    assert all("fragment Shell" in text for name, text in documents.items() if "...Shell" in text)


@pytest.mark.rendering
def test_serving_caches_hashed_assets_and_revalidates_pages(demo_site: DemoSite) -> None:
    page = httpx.get(demo_site.at("/"), headers={"accept-encoding": "gzip"})
    assert page.headers["cache-control"] == "no-cache"
    asset = re.search(r'src="(/assets/js/pages/home\.[0-9a-f]{10}\.js)"', page.text)
    assert asset
    script = httpx.get(demo_site.at(asset.group(1)), headers={"accept-encoding": "gzip"})
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-encoding"] == "gzip"
    again = httpx.get(
        demo_site.at(asset.group(1)), headers={"if-none-match": script.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.rendering
def test_folders_redirect_and_unknown_paths_are_404(demo_site: DemoSite) -> None:
    moved = httpx.get(demo_site.at("/needs?cause=ILLNESS"))
    assert moved.status_code == 308 and moved.headers["location"] == "/needs/?cause=ILLNESS"
    missing = httpx.get(demo_site.at("/nowhere/at-all"))
    assert missing.status_code == 404 and '<main id="main"' in missing.text
    assert httpx.post(demo_site.at("/")).status_code == 405


def test_a_static_build_writes_gzip_twins(tmp_path: Path) -> None:
    written = build_site().write(tmp_path)
    assert (tmp_path / "index.html") in written
    twin = tmp_path / "index.html.gz"
    assert gzip.decompress(twin.read_bytes()) == (tmp_path / "index.html").read_bytes()
