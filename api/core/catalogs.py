"""Managing the built-in catalogs: extract, update, compile, check. Thin wrappers over
`pybabel` with the project's options, so every contributor produces the same files."""

from __future__ import annotations

import gettext
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from api.core.i18n import BUILTIN_CATALOG_DIR, DOMAIN, SOURCE_LOCALE, TEMPLATE_FILE

__all__ = [
    "BUILTIN_CATALOG_DIR",
    "check",
    "compile_catalogs",
    "export_json",
    "extract",
    "init",
    "update",
]

ROOT = BUILTIN_CATALOG_DIR.parent
MAPPING_FILE = ROOT / "babel.cfg"
PO_WIDTH = "100"


def pybabel(*args: str) -> None:
    """Run one `pybabel` command in-process (raises SystemExit-free errors on failure)."""
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def extract(output: Path = TEMPLATE_FILE) -> None:
    pybabel(
        "extract",
        "--mapping-file", str(MAPPING_FILE),
        "--no-location",
        "--sort-output",
        "--width", PO_WIDTH,
        "--ignore-dirs", ".* _* node_modules i18n tests bench",
        "--project", "Aidbridge",
        "--copyright-holder", "The Aidbridge contributors",
        "--msgid-bugs-address", "",
        "--output-file", str(output),
        str(ROOT),
    )  # fmt: skip


def catalog_locales(directory: Path = BUILTIN_CATALOG_DIR) -> list[str]:
    return sorted(path.parent.parent.name for path in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def update(template: Path = TEMPLATE_FILE, directory: Path = BUILTIN_CATALOG_DIR) -> None:
    """Bring every catalog in line with the template; the English source catalog is
    filled with the source texts, so it is complete by construction."""
    pybabel(*_update_args(template, directory))
    follow_plural_rules(directory)
    fill_source_catalog(directory)


def _update_args(template: Path, directory: Path) -> list[str]:
    return [
        "update",
        "--input-file", str(template),
        "--output-dir", str(directory),
        "--domain", DOMAIN,
        "--width", PO_WIDTH,
        "--no-fuzzy-matching",
        "--ignore-obsolete",
        "--ignore-pot-creation-date",
    ]  # fmt: skip


def follow_plural_rules(directory: Path = BUILTIN_CATALOG_DIR) -> None:
    """Give every catalog the plural rule of the installed Babel (CLDR), keeping each
    translation under its CLDR category. A Babel upgrade can add a category (fr, es and pt
    gained "many" in 2.19) or reorder them (ar): existing forms move to their category's
    new index, and a message whose new category had no form of its own gets a copy of the
    nearest one, marked fuzzy, so the catalog check fails until a translator fills it."""
    for locale in catalog_locales(directory):
        path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalog = _read(path, locale)
        expected = get_plural(locale)
        if (catalog.num_plurals, catalog.plural_expr) == (
            expected.num_plurals,
            expected.plural_expr,
        ):
            continue
        sources = _form_sources(catalog.plural_expr, expected.plural_expr, expected.num_plurals)
        copied = len(set(sources)) < len(sources) or None in sources
        for message in catalog:
            if not isinstance(message.id, tuple) or not isinstance(message.string, tuple):
                continue
            old = message.string
            message.string = tuple(
                old[source] if source is not None and source < len(old) else old[-1]
                for source in sources
            )
            if copied and all(old):
                message.flags.add("fuzzy")
        catalog._num_plurals = None  # derived from the locale again: the installed rule
        catalog._plural_expr = None
        with path.open("wb") as handle:
            write_po(handle, catalog, width=int(PO_WIDTH), ignore_obsolete=True)


# Counts that reach every CLDR plural category used by gettext rules (millions for "many"
# in fr, es, pt; hundreds for ar's "other").
_PLURAL_SAMPLES = [*range(0, 1200), 1_000_000, 2_000_000, 1_000_001, 10_000_000]


def _form_sources(old_expr: str, new_expr: str, new_count: int) -> list[int | None]:
    """For each form index of the new rule, the index of the old form a translator wrote
    for the same counts: the one most of the sample counts selecting it chose under the old
    rule (a tie goes to the smallest count above zero, zero being often special), or None."""
    old_choose = gettext.c2py(old_expr)
    new_choose = gettext.c2py(new_expr)
    votes: list[Counter[int]] = [Counter() for _ in range(new_count)]
    first: list[dict[int, int]] = [{} for _ in range(new_count)]
    for n in _PLURAL_SAMPLES:
        index = new_choose(n)
        if index < new_count:
            old = old_choose(n)
            votes[index][old] += 1
            if n > 0:
                first[index].setdefault(old, n)
    sources: list[int | None] = []
    for index in range(new_count):
        if not votes[index]:
            sources.append(None)
            continue
        best = max(votes[index].values())
        tied = [old for old, count in votes[index].items() if count == best]
        sources.append(min(tied, key=lambda old: first[index].get(old, _PLURAL_SAMPLES[-1])))
    return sources


def init(locale: str, directory: Path = BUILTIN_CATALOG_DIR) -> Path:
    pybabel(
        "init",
        "--input-file", str(TEMPLATE_FILE),
        "--output-dir", str(directory),
        "--domain", DOMAIN,
        "--locale", locale,
        "--width", PO_WIDTH,
    )  # fmt: skip
    if locale == SOURCE_LOCALE:
        fill_source_catalog(directory)
    return directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogs(directory: Path = BUILTIN_CATALOG_DIR) -> None:
    """Write `.mo` files next to the `.po` files (for images; never committed)."""
    pybabel("compile", "--directory", str(directory), "--domain", DOMAIN, "--statistics")


def fill_source_catalog(directory: Path = BUILTIN_CATALOG_DIR) -> None:
    path = directory / SOURCE_LOCALE / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return
    catalog = _read(path, SOURCE_LOCALE)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(message.id)
        else:
            message.string = message.id
    with path.open("wb") as handle:
        write_po(handle, catalog, width=int(PO_WIDTH), ignore_obsolete=True)


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def translated_messages(
    locale: str, directory: Path = BUILTIN_CATALOG_DIR
) -> dict[str, str | list[str]]:
    """The translated messages of a locale's catalog for browser code: key is the msgid,
    or `context + "\u0004" + msgid` (gettext's convention); a plural message's text is
    the list of its forms. Fuzzy and untranslated messages are left out."""
    catalog = _read(directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po", locale)
    messages: dict[str, str | list[str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}\u0004{singular}" if message.context else singular
        if isinstance(message.string, str):
            if message.string:
                messages[key] = message.string
        elif message.string and all(message.string):
            messages[key] = list(message.string)
    return messages


def export_json(output: Path, directory: Path = BUILTIN_CATALOG_DIR) -> list[Path]:
    """One `<locale>.json` per catalog for browser code, generated from the same `.po`
    files as the server's messages: `{"plural": <C expression>, "messages": {key: text}}`
    (keys and texts as `translated_messages` gives them)."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in catalog_locales(directory):
        plural = _read(directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po", locale).plural_expr
        messages = translated_messages(locale, directory)
        path = output / f"{locale}.json"
        body = {"locale": locale, "plural": plural, "messages": messages}
        path.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True)
class CatalogProblem:
    locale: str
    problem: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.problem}"


def check(directory: Path = BUILTIN_CATALOG_DIR) -> list[CatalogProblem]:
    """What is wrong with the built-in catalogs: a template or catalog stale against the
    code, an untranslated or fuzzy message, or plural forms that do not match CLDR."""
    problems: list[CatalogProblem] = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / f"{DOMAIN}.pot"
        extract(fresh)
        fresh_ids = _keys(_read(fresh, SOURCE_LOCALE))
        committed_ids = _keys(_read(TEMPLATE_FILE, SOURCE_LOCALE))
        for key in sorted(fresh_ids - committed_ids):
            problems.append(CatalogProblem("template", f"missing message {key!r}"))
        for key in sorted(committed_ids - fresh_ids):
            problems.append(CatalogProblem("template", f"message no longer in the code {key!r}"))
        # `pybabel update --check` cannot be used: Babel 2.18's Catalog.is_identical looks
        # messages with a msgctxt up under the wrong key and reports every catalog stale.
        # Instead, update a copy and compare the files, header dates aside.
        updated = Path(scratch) / "updated"
        shutil.copytree(directory, updated, ignore=shutil.ignore_patterns("*.mo"))
        update(fresh, updated)
        for locale in catalog_locales(directory):
            relative = Path(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
            if _comparable(directory / relative) != _comparable(updated / relative):
                problems.append(
                    CatalogProblem(locale, "stale against the code: run `aidbridge i18n update`")
                )
    for locale in catalog_locales(directory):
        catalog = _read(directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po", locale)
        problems.extend(_catalog_problems(locale, catalog, committed_ids))
    return problems


def _comparable(path: Path) -> list[str]:
    # Dates, and the Babel release that wrote the file, say nothing about its messages.
    dated = ('"POT-Creation-Date:', '"PO-Revision-Date:', '"Generated-By:')
    return [
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(dated)
    ]


def _keys(catalog: Catalog) -> set[tuple[str, str]]:
    return {(m.context or "", m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def _catalog_problems(
    locale: str, catalog: Catalog, template_ids: set[tuple[str, str]]
) -> list[CatalogProblem]:
    problems = []
    expected = get_plural(locale)  # gettext's plural rule for the locale, from CLDR data
    if (catalog.num_plurals, catalog.plural_expr) != (expected.num_plurals, expected.plural_expr):
        problems.append(
            CatalogProblem(
                locale,
                f"plural forms {catalog.num_plurals} ({catalog.plural_expr}); expected "
                f"{expected.num_plurals} ({expected.plural_expr})",
            )
        )
    for key in sorted(template_ids - _keys(catalog)):
        problems.append(CatalogProblem(locale, f"missing message {key!r}"))
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(CatalogProblem(locale, f"fuzzy: {message.id!r}"))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or (
            isinstance(message.id, tuple) and len(strings) != catalog.num_plurals
        ):
            problems.append(CatalogProblem(locale, f"untranslated: {message.id!r}"))
        for error in message.check(catalog):
            problems.append(CatalogProblem(locale, f"{message.id!r}: {error}"))
    return problems
