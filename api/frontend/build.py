"""Build the static frontend: copy `frontend/`, add the two generated data modules (the
GraphQL documents from `schema/operations/frontend*.graphql` and the UI catalogs from the
`.po` files), fingerprint every asset and gzip what is worth it.

Nothing is transpiled or bundled: the output is the source files with hashed names, so a
static host can serve them with a year of caching and only the HTML is revalidated."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.core import Locale
from babel.messages.extract import extract_from_dir

from api.core.catalogs import BUILTIN_CATALOG_DIR, catalog_locales, translated_messages
from api.core.i18n import text_direction

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "frontend"
OPERATIONS_DIR = ROOT / "schema" / "operations"
# Left out of a build: development tooling and its packages.
EXCLUDED_PARTS = {"tools", "node_modules", "dist"}
# Served under their own name (HTML is revalidated; crawlers expect these names).
UNHASHED = {".html", ".txt", ".webmanifest"}
UNHASHED_NAMES = {"config.js", "icon.svg"}  # config: editable on a static host; icon: named in code
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".txt", ".webmanifest"}
GENERATED_OPERATIONS = "assets/js/generated/operations.js"
GENERATED_CATALOGS = "assets/js/generated/catalogs.js"
CONFIG_FILE = "config.js"
# Sample counts reaching every CLDR plural category (millions reach "many" in fr, es, pt).
PLURAL_SAMPLES = [0, 1, 2, 3, 5, 11, 21, 22, 100, 101, 102, 111, 1000000, 1000001]

IMPORT_PATTERN = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"']+\.js)\2""")
HTML_REF_PATTERN = re.compile(r"""\b(href|src)="(/[^"#?]+)\"""")
CSS_URL_PATTERN = re.compile(r"""url\(\s*["']?(/[^"')]+)["']?\s*\)""")
OPERATION_PATTERN = re.compile(r"\b(query|mutation|fragment)\s+([A-Za-z_][A-Za-z0-9_]*)")
FRAGMENT_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class BuiltFile:
    body: bytes
    content_type: str
    immutable: bool
    gzipped: bytes | None = None
    etag: str = ""


@dataclass
class Site:
    """A built frontend: URL path (without the leading slash) to file."""

    files: dict[str, BuiltFile] = field(default_factory=dict)

    def write(self, output: Path) -> list[Path]:
        written = []
        for name, built in sorted(self.files.items()):
            path = output / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(built.body)
            written.append(path)
            if built.gzipped is not None:
                (output / f"{name}.gz").write_bytes(built.gzipped)
        return written


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".ico": "image/x-icon",
}


def source_files(source: Path = SOURCE_DIR) -> dict[str, bytes]:
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or EXCLUDED_PARTS & set(relative.parts) or path.name.startswith("."):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def frontend_messages(source: Path = SOURCE_DIR) -> set[str]:
    """The catalog keys the frontend's JavaScript asks for (msgid, or context + EOT + msgid)."""
    keys = set()
    method_map = [("assets/js/**.js", "javascript"), ("*.js", "javascript")]
    options = {pattern: {"parse_template_string": "true"} for pattern, _method in method_map}
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(source), method_map=method_map, options_map=options
    ):
        singular = message if isinstance(message, str) else message[0]
        keys.add(f"{context}\u0004{singular}" if context else singular)
    return keys


def plural_categories(locale: str) -> dict[str, int]:
    """CLDR plural category to the index of its form under the catalog's gettext rule, so
    the browser picks a form with `Intl.PluralRules` and never evaluates the C expression."""
    parsed = Locale.parse(locale)
    rule = parsed.plural_form
    from babel.messages.plurals import get_plural

    expression = get_plural(locale).plural_expr
    indices: dict[str, int] = {}
    for n in PLURAL_SAMPLES:
        index = _gettext_index(expression, n)
        indices.setdefault(rule(n), index)
    return indices


def _gettext_index(expression: str, n: int) -> int:
    from gettext import c2py

    return int(c2py(expression)(n))


def ui_catalogs(keys: set[str], directory: Path = BUILTIN_CATALOG_DIR) -> dict[str, dict]:
    """Per locale, the translated frontend messages (untranslated ones fall back to the
    English text in the code, as on the server)."""
    catalogs = {}
    for locale in catalog_locales(directory):
        messages = translated_messages(locale, directory)
        catalogs[locale] = {
            "locale": locale,
            "direction": text_direction(locale),
            "plural": plural_categories(locale),
            "messages": {key: text for key, text in messages.items() if key in keys},
        }
    return catalogs


def operation_documents(directory: Path = OPERATIONS_DIR) -> dict[str, str]:
    """Each named query and mutation of `frontend*.graphql`, with the fragments it spreads
    (transitively), as the exact text sent to the API."""
    definitions: dict[str, tuple[str, str]] = {}
    for path in sorted(directory.glob("frontend*.graphql")):
        text = path.read_text(encoding="utf-8")
        for kind, name, body in _split_definitions(text):
            if name in definitions:
                raise ValueError(f"{path.name}: {name} is defined twice")
            definitions[name] = (kind, body)
    documents = {}
    for name, (kind, body) in definitions.items():
        if kind == "fragment":
            continue
        needed: list[str] = []
        pending = FRAGMENT_SPREAD.findall(body)
        while pending:
            fragment = pending.pop(0)
            if fragment in needed or fragment == "on":
                continue
            if fragment not in definitions:
                raise ValueError(f"{name} spreads the unknown fragment {fragment}")
            needed.append(fragment)
            pending.extend(FRAGMENT_SPREAD.findall(definitions[fragment][1]))
        documents[name] = "\n".join([body, *(definitions[f][1] for f in sorted(needed))])
    return documents


def _split_definitions(text: str) -> list[tuple[str, str, str]]:
    """Top-level definitions of a document, split by brace depth (comments dropped)."""
    source = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    result = []
    depth = 0
    previous_end = 0
    for index, char in enumerate(source):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                match = OPERATION_PATTERN.search(source, previous_end, index)
                if match:
                    body = _compact(source[match.start() : index + 1])
                    result.append((match.group(1), match.group(2), body))
                previous_end = index + 1
    return result


def document_hash(document: str) -> str:
    """What a persisted operation is addressed by: the SHA-256 of its exact text (as in
    Apollo's `extensions.persistedQuery.sha256Hash`)."""
    return hashlib.sha256(document.encode()).hexdigest()


def _compact(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:10]


def _hashed_name(name: str, body: bytes) -> str:
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{_hash(body)}.{extension}" if dot else f"{name}.{_hash(body)}"


def _resolve(base: str, reference: str) -> str:
    """A module specifier or URL relative to `base` (a path in the site), as a site path."""
    if reference.startswith("/"):
        return reference.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in reference.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def build_site(api_url: str | None = None, source: Path = SOURCE_DIR) -> Site:
    files = source_files(source)
    if api_url is not None:
        files[CONFIG_FILE] = _config_module(api_url)
    catalogs = ui_catalogs(frontend_messages(source))
    names: dict[str, str] = {}  # source path to served path
    served: dict[str, bytes] = {}
    catalog_urls = {}
    for locale, catalog in catalogs.items():
        data = json.dumps(catalog, ensure_ascii=False, sort_keys=True).encode()
        path = _hashed_name(f"i18n/{locale}.json", data)
        served[path] = data
        catalog_urls[locale] = {"url": f"/{path}", "direction": catalog["direction"]}
    files[GENERATED_CATALOGS] = _module("CATALOGS", catalog_urls)
    documents = operation_documents()
    files[GENERATED_OPERATIONS] = (
        _module("OPERATIONS", documents)
        + _module(
            "OPERATION_HASHES", {name: document_hash(text) for name, text in documents.items()}
        ).split(b"\n", 1)[1]
    )

    def served_name(name: str, stack: tuple[str, ...] = ()) -> str:
        if name in names:
            return names[name]
        if name not in files:
            raise ValueError(f"{stack[-1] if stack else name} refers to a missing {name}")
        if name in stack:
            raise ValueError(f"import cycle through {name}")
        body = files[name]
        if name.endswith(".js"):
            text = body.decode()

            def module(match: re.Match[str]) -> str:
                target = served_name(_resolve(name, match.group(3)), (*stack, name))
                return f"{match.group(1)}{match.group(2)}/{target}{match.group(2)}"

            body = IMPORT_PATTERN.sub(module, text).encode()
        elif name.endswith(".css"):
            text = body.decode()
            body = CSS_URL_PATTERN.sub(
                lambda m: f'url("/{served_name(_resolve(name, m.group(1)), (*stack, name))}")',
                text,
            ).encode()
        suffix = Path(name).suffix
        if suffix in UNHASHED or Path(name).name in UNHASHED_NAMES:
            path = name
        else:
            path = _hashed_name(name, body)
        names[name] = path
        served[path] = body
        return path

    for name in sorted(files):
        if not name.endswith(".html"):
            served_name(name)
    for name in sorted(files):
        if name.endswith(".html"):
            text = files[name].decode()

            def reference(match: re.Match[str], page: str = name) -> str:
                target = match.group(2).lstrip("/")
                if target.endswith("/") or target not in files:
                    return match.group(0)  # a page link, not an asset
                return f'{match.group(1)}="/{served_name(target, (page,))}"'

            served[name] = HTML_REF_PATTERN.sub(reference, text).encode()
    site = Site()
    for path, body in served.items():
        suffix = Path(path).suffix
        immutable = path not in files or not (
            suffix in UNHASHED or Path(path).name in UNHASHED_NAMES
        )
        built = BuiltFile(
            body=body,
            content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
            immutable=immutable and path != CONFIG_FILE,
            etag=f'"{_hash(body)}"',
        )
        if suffix in COMPRESSIBLE and len(body) > 512:
            built.gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        site.files[path] = built
    return site


def _module(name: str, value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    header = "// Generated by `aidbridge frontend build`; do not edit."
    return f"{header}\nexport const {name} = {text};\n".encode()


def _config_module(api_url: str) -> bytes:
    return (
        "// Where the GraphQL API answers: the one setting a static deployment changes.\n"
        f"export const API_URL = {json.dumps(api_url)};\n"
    ).encode()


@lru_cache(maxsize=4)
def cached_site(api_url: str | None = None) -> Site:
    """The site served by the app, built once per process."""
    return build_site(api_url)
