"""graphql-core's own messages (syntax, validation, coercion) and the operation limits reach
the client in its locale, with the same code as in English, over real HTTP; and every
template of api/graphql/graphql_messages.py still matches what graphql-core writes, checked
with real documents, so an upgrade that rewords a message fails here.

Expected texts come straight from the `.po` files (Babel's reader) and from Babel's CLDR
data, not from the code under test."""

from __future__ import annotations

import gettext
from typing import Any

import pytest
from babel.lists import format_list
from babel.numbers import format_decimal
from graphql import GraphQLError, execute, parse, validate
from strawberry.schema.exceptions import CannotGetOperationTypeError

from api.app import create_app
from api.core.redaction import redact
from api.graphql import graphql_messages
from api.graphql.execution import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.graphql.graphql_messages import ALL_TEMPLATES, Template, templates_of
from api.schema import schema
from tests.conftest import GraphQLClient, LiveServer
from tests.http.conftest import production
from tests.i18n.conftest import po_catalog, po_text

LOCALES = ("fr", "ar", "zh_Hans")
FILTERED = "query($f: HelpRequestFilter) { helpRequests(filter: $f) { nodes { id } } }"


def text(locale: str, msgid: str, **params: Any) -> str:
    numbers = {k: format_decimal(v, locale=locale) for k, v in params.items() if isinstance(v, int)}
    return po_text(locale, msgid).format(**{**params, **numbers})


def counted(locale: str, singular: str, n: int, **params: Any) -> str:
    catalog = po_catalog(locale)
    form = gettext.c2py(catalog.plural_expr)(n)
    template = po_text(locale, singular, form=form)
    return template.format(**{k: format_decimal(v, locale=locale) for k, v in params.items()})


def suggested(locale: str, sentence: str, names: list[str], lead: str = "") -> str:
    msgid = f"{{sentence}} Did you mean {lead}{{suggestions}}?"
    options = format_list([f"'{n}'" for n in names], style="or", locale=locale)
    return text(locale, msgid, sentence=sentence, suggestions=options)


def syntax(locale: str, description: str) -> str:
    return text(locale, "Syntax Error: {description}", description=description)


ALIASES = " ".join(f"a{i}: instance {{ name }}" for i in range(MAX_ALIASES + 1))
DEEP = "id"
for _ in range(MAX_DEPTH + 1):
    DEEP = f"parent {{ {DEEP} }}"
TOKENS = " ".join("name" for _ in range(MAX_TOKENS))

# family: (document, variables, code, expected message in a locale)
FAMILIES: dict[str, tuple[str, dict[str, Any] | None, str, Any]] = {
    "syntax": (
        "{ instance { name }",
        None,
        "GRAPHQL_PARSE_FAILED",
        lambda loc: syntax(loc, text(loc, "Expected {expected}.", expected="Name")),
    ),
    "unknown-field": (
        "{ instance { nonsense } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(
            loc,
            "Cannot query field '{field}' on type '{type}'.",
            field="nonsense",
            type="InstanceInfo",
        ),
    ),
    "unknown-field-with-suggestion": (
        "{ nope }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: suggested(
            loc,
            text(loc, "Cannot query field '{field}' on type '{type}'.", field="nope", type="Query"),
            ["node", "nodes"],
        ),
    ),
    "unknown-argument": (
        "{ helpRequests(nope: 1) { nodes { id } } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(
            loc,
            "Unknown argument '{argument}' on field '{field}'.",
            argument="nope",
            field="Query.helpRequests",
        ),
    ),
    "missing-argument": (
        "{ regionByCode { id } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(
            loc,
            "Argument '{argument}' of type '{type}' is required, but it was not provided.",
            argument="Query.regionByCode(code:)",
            type="String!",
        ),
    ),
    "wrong-literal-type": (
        "{ regionByCode(code: 5) { id } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(loc, "String cannot represent a non string value."),
    ),
    "unknown-enum-value": (
        "{ helpRequests(filter: {kind: MONY}) { nodes { id } } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: suggested(
            loc,
            text(
                loc,
                "Value {value} does not exist in '{enum}' enum.",
                value="'MONY'",
                enum="HelpRequestKind",
            ),
            ["MONEY"],
            "the enum value ",
        ),
    ),
    "unknown-variable": (
        "{ helpRequests(first: $n) { nodes { id } } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(loc, "Variable '${variable}' is not defined.", variable="n"),
    ),
    "unused-variable": (
        "query($x: Int) { instance { name } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(loc, "Variable '${variable}' is never used.", variable="x"),
    ),
    "variable-coercion": (
        FILTERED,
        {"f": {"search": "hunter2-secret"}},
        "BAD_USER_INPUT",
        lambda loc: text(
            loc,
            "Variable '${variable}' has invalid value: {reason}",
            variable="f",
            reason=text(
                loc,
                "Expected value of type '{type}' not to include unknown field '{field}'.",
                type="HelpRequestFilter",
                field="search",
            ),
        ),
    ),
    "variable-coercion-at-path": (
        "query($n: [Int!]!) { numbersFormatted(numbers: $n) }",
        {"n": [1, "two"]},
        "BAD_USER_INPUT",
        lambda loc: text(
            loc,
            "Variable '${variable}' has invalid value at {path}: {reason}",
            variable="n",
            path="[1]",
            reason=text(loc, "Int cannot represent non-integer value."),
        ),
    ),
    "too-many-aliases": (
        f"{{ {ALIASES} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: counted(
            loc,
            "{count} alias found. Allowed: {limit}",
            MAX_ALIASES + 1,
            count=MAX_ALIASES + 1,
            limit=MAX_ALIASES,
        ),
    ),
    "too-deep": (
        f"query Deep {{ regions {{ nodes {{ {DEEP} }} }} }}",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(
            loc,
            "'{operation}' exceeds maximum operation depth of {limit}",
            operation="Deep",
            limit=MAX_DEPTH,
        ),
    ),
    "token-limit": (
        f"{{ instance {{ {TOKENS} }} }}",
        None,
        "GRAPHQL_PARSE_FAILED",
        lambda loc: syntax(
            loc,
            counted(
                loc,
                "Document contains more than {limit} token. Parsing aborted.",
                MAX_TOKENS,
                limit=MAX_TOKENS,
            ),
        ),
    ),
    "several-operations-one-anonymous": (
        "{ instance { name } } query B { instance { name } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(loc, "This anonymous operation must be the only defined operation."),
    ),
    "field-conflict": (
        "{ instance { name: defaultLocale } instance { name } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        lambda loc: text(
            loc,
            "Fields '{field}' conflict because {reason}. Use different aliases on the fields "
            "to fetch both if this was intentional.",
            field="instance",
            reason=text(
                loc,
                "subfields '{field}' conflict because {reason}",
                field="name",
                reason=text(
                    loc,
                    "'{field}' and '{other}' are different fields",
                    field="defaultLocale",
                    other="name",
                ),
            ),
        ),
    ),
}


def post(api: Any, query: str, variables: dict[str, Any] | None, locale: str) -> dict[str, Any]:
    response = api.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Accept-Language": locale.replace("_", "-")},
    )
    assert response.status_code == 200, response.text
    [error] = response.json()["errors"]
    if error["extensions"]["code"] != "GRAPHQL_PARSE_FAILED":
        # A parse error stops before the operation's hooks, where the header is set.
        assert response.headers["content-language"] == locale.replace("_", "-")
    return dict(error)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_graphql_errors_arrive_in_the_requests_language(api, locale, family):
    query, variables, code, expected = FAMILIES[family]

    english = post(api, query, variables, "en")
    error = post(api, query, variables, locale)

    assert error["extensions"]["code"] == english["extensions"]["code"] == code
    assert error["message"] == expected(locale)
    assert error["message"] != english["message"]
    assert "hunter2-secret" not in error["message"]
    assert error.get("locations") == english.get("locations")


ENGLISH = {
    "unknown-field-with-suggestion": (
        "Cannot query field 'nope' on type 'Query'. Did you mean 'node' or 'nodes'?"
    ),
    "unused-variable": "Variable '$x' is never used.",
    "variable-coercion": (
        "Variable '$f' has invalid value: Expected value of type 'HelpRequestFilter' not to "
        "include unknown field 'search'."
    ),
    "too-many-aliases": f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}",
    "too-deep": f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}",
    "syntax": "Syntax Error: Expected Name.",
}


@pytest.mark.parametrize("family", list(ENGLISH))
def test_english_keeps_graphql_cores_wording(api, family):
    query, variables, code, _expected = FAMILIES[family]
    error = post(api, query, variables, "en")
    assert error == {**error, "message": ENGLISH[family], "extensions": {"code": code}}


def test_an_unknown_wording_keeps_its_english_behind_a_localized_lead():
    from api.core.i18n import LocalisationConfig, translator_for

    message = "Some wording a future graphql-core may write."
    french = translator_for(LocalisationConfig(), "fr")
    english = translator_for(LocalisationConfig(), "en")

    assert graphql_messages.localized_message(message, french) == text(
        "fr", "The GraphQL request is invalid (details in English): {details}", details=message
    )
    assert graphql_messages.localized_message(message, english) == message


@pytest.mark.parametrize("locale", LOCALES)
def test_production_gives_no_suggestion_in_any_language(backend, locale):
    server = LiveServer(create_app(production(backend.settings), backend.engine))
    client = GraphQLClient(server.url)
    try:
        for query, sentence in (
            ("{ nope }", ("Cannot query field '{field}' on type '{type}'.", "nope", "Query")),
            ("{ helpRequests(firs: 1) { nodes { id } } }", None),
            ("{ helpRequests(filter: {kind: MONY}) { nodes { id } } }", None),
        ):
            error = post(client, query, None, locale)
            english = post(client, query, None, "en")
            assert "Did you mean" not in english["message"]
            assert "MONEY" not in error["message"] and "'first'" not in error["message"]
            assert "'node'" not in error["message"]
            if sentence is not None:
                msgid, field, type_name = sentence
                assert error["message"] == text(locale, msgid, field=field, type=type_name)
    finally:
        client.close()
        server.stop()


def test_localizing_without_suggestions():
    from api.core.i18n import LocalisationConfig, translator_for

    french = translator_for(LocalisationConfig(), "fr")
    message = "Cannot query field 'nope' on type 'Query'. Did you mean 'node' or 'nodes'?"
    assert graphql_messages.localized_message(message, french, suggestions=False) == text(
        "fr", "Cannot query field '{field}' on type '{type}'.", field="nope", type="Query"
    )


# --- Every template, triggered by a real document ------------------------------------------

# template source: (document, variables, operation name) that makes graphql-core (or the
# limits) write it.
TRIGGERS: dict[str, list[tuple[str, dict[str, Any] | None, str | None]]] = {
    "syntax": [
        ("{ instance { name }", None, None),
        ("{ instance { name } } }", None, None),
        ('{ regionByCode(code: "abc) { id } }', None, None),
        ("{ instance { name } } ^", None, None),
        ("{ instance { na\u0007me } }", None, None),
        ("{ instance { na\ud800me } }", None, None),
        ("{ helpRequests(first: 1.5e) { nodes { id } } }", None, None),
        ("{ helpRequests(first: 01) { nodes { id } } }", None, None),
        ("{ helpRequests(first: .5) { nodes { id } } }", None, None),
        ('{ regionByCode(code: "\\q") { id } }', None, None),
        ('{ regionByCode(code: "\\u12") { id } }', None, None),
        ('{ regionByCode(code: "a\ud800") { id } }', None, None),
        ("{ regionByCode(code: 'a') { id } }", None, None),
        ("{ ..F }", None, None),
        ("query($x: Int = $y) { instance { name } }", None, None),
        ("enum E { true }", None, None),
        ('"A description" { instance { name } }', None, None),
        ('"A description" extend type Query { a: Int }', None, None),
        (f"{{ instance {{ {TOKENS} }} }}", None, None),
        ("{ regionByCode(code: " + "[" * 1500 + "]" * 1500 + ") { id } }", None, None),
    ],
    "validation": [
        ("{ instance { name } } type Foo { a: Int }", None, None),
        ("subscription { instance { name } }", None, None),
        ("query A { instance { name } } query A { instance { name } }", None, "A"),
        ("{ instance { name } } query B { instance { name } }", None, None),
        ("query($n: Strin) { instance { name } }", None, None),
        ("{ ...F } fragment F on String { x }", None, None),
        ("{ ... on String { x } }", None, None),
        ("query($n: InstanceInfo) { instance { name } }", None, None),
        ("{ instance { name { x } } }", None, None),
        ("{ instance }", None, None),
        ("{ nope }", None, None),
        ("{ node(id: 1) { title } }", None, None),
        (
            "{ ...F } fragment F on Query { instance { name } } "
            "fragment F on Query { instance { name } }",
            None,
            None,
        ),
        ("{ ...F }", None, None),
        ("{ instance { name } } fragment G on Query { instance { name } }", None, None),
        ("{ ... on InstanceInfo { name } }", None, None),
        ("{ ...F } fragment F on InstanceInfo { name }", None, None),
        ("{ ...F } fragment F on Query { ...F }", None, None),
        ("{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }", None, None),
        ("query($n: Int, $n: Int) { helpRequests(first: $n) { nodes { id } } }", None, None),
        ("{ helpRequests(first: $n) { nodes { id } } }", None, None),
        ("query Q { helpRequests(first: $n) { nodes { id } } }", None, None),
        ("query($x: Int) { instance { name } }", None, None),
        ("query Q($x: Int) { instance { name } }", None, None),
        ("{ instance @nope { name } }", None, None),
        ('{ instance @inContext(language: "fr") { name } }', None, None),
        (
            'query @inContext(language: "fr") @inContext(language: "fr") { instance { name } }',
            None,
            None,
        ),
        ("{ helpRequests(firs: 1) { nodes { id } } }", None, None),
        ('query @inContext(language: "fr", x: 1) { instance { name } }', None, None),
        ("{ helpRequests(first: 1, first: 2) { nodes { id } } }", None, None),
        ("{ regionByCode { id } }", None, None),
        ("query($n: String) { helpRequests(first: $n) { nodes { id } } }", None, None),
        ("{ a: instance { name } a: locales { code } }", None, None),
        (
            "{ helpRequests(first: 1) { nodes { id } } helpRequests(first: 2) { nodes { id } } }",
            None,
            None,
        ),
        (
            '{ node(id: "x") { ... on Region { a: code } ... on HelpRequest { a: urgency } } }',
            None,
            None,
        ),
        ("{ instance { name: defaultLocale } instance { name } }", None, None),
        ('{ helpRequests(filter: {text: "a", text: "b"}) { nodes { id } } }', None, None),
        (
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            None,
            None,
        ),
        ("{ instance { " + " ".join("name" for _ in range(3900)) + " } }", None, None),
        ("{ " + " ".join(f"f{i}" for i in range(120)) + " }", None, None),
        (f"{{ {ALIASES} }}", None, None),
        (f"query Deep {{ regions {{ nodes {{ {DEEP} }} }} }}", None, None),
    ],
    "values": [
        ("{ helpRequests(first: 1.5) { nodes { id } } }", None, None),
        ("{ helpRequests(first: 10000000000000) { nodes { id } } }", None, None),
        (
            'mutation { householdRegister(input: {latitude: "north"}) { household { id } } }',
            None,
            None,
        ),
        ("{ regionByCode(code: 5) { id } }", None, None),
        ("{ regions(includeRetired: 1) { nodes { id } } }", None, None),
        ("query($x: ID!) { node(id: $x) { id } }", {"x": 1.5}, None),
        ("{ node(id: 1.5) { id } }", None, None),
        ("{ helpRequests(filter: {kind: MONY}) { nodes { id } } }", None, None),
        ('{ helpRequests(filter: {kind: "MONEY"}) { nodes { id } } }', None, None),
        (
            "query($s: StatsSeries!) { stats { monthly(series: $s, "
            'from: "2020-01-01", to: "2020-01-01") { month } } }',
            {"s": 3},
            None,
        ),
        ('{ stats { monthly(series: MALL_SALES, from: "x") { month } } }', None, None),
        ("{ helpRequests(filter: 3) { nodes { id } } }", None, None),
        ("{ helpRequestFacets(filter: {amount: {min: 1}}) { totalFormatted } }", None, None),
        ('{ helpRequests(filter: {search: "x"}) { nodes { id } } }', None, None),
        ("{ helpRequests(first: null) { nodes { id } } }", None, None),
        ("query($n: Int!) { helpRequests(first: $n) { nodes { id } } }", {}, None),
        (
            '{ helpRequestFacets(filter: {amount: {currency: "USD", min: 1.5}}) '
            "{ totalFormatted } }",
            None,
            None,
        ),
        (FILTERED, {"f": {"amount": {"currency": "USD", "min": 10**17}}}, None),
        (FILTERED, {"f": {"search": "x"}}, None),
        (FILTERED, {"f": {"kind": "MONY"}}, None),
        ("query($n: Int = 3) { helpRequests(first: $n) { nodes { id } } }", {"n": None}, None),
        (
            'query($c: String = "USD") { helpRequestFacets(filter: {amount: {currency: $c}}) '
            "{ totalFormatted } }",
            {"c": None},
            None,
        ),
    ],
    "operations": [
        ("query A { instance { name } } query B { instance { name } }", None, "C"),
        ("{ instance { name } } { locales { code } }", None, None),
        ("fragment F on Query { instance { name } }", None, None),
    ],
}

CHOOSING = {document for document, _variables, _operation in TRIGGERS["operations"]}

# Wordings no document can reach with this schema and these settings (no @oneOf input,
# no comment or source-length limit, defaults the schema itself declares valid, checks
# that validation always makes first), kept so a message never falls back if that changes.
UNREACHABLE = {
    "Expected {expected}, found {found}.",  # redaction cuts ", found ..." (see the redacted one)
    "Document contains more than {limit} comment. Parsing aborted.",
    "Source contains more than {limit} code point.",
    "Field '{field}' of type '{type}' must have at least one field selected.",
    "String cannot represent value.",
    "Expected value of type '{type}'.",
    "Expected value of type '{type}', but encountered error '{error}'.",
    "Expected variable '${variable}' provided to type '{type}' to provide a runtime value.",
    "Within OneOf Input Object type '{type}', exactly one field must be specified, and the value "
    "for that field must be non-null.",
    "Variable '${variable}' has invalid default value: {reason}",
    "Variable '${variable}' has invalid default value at {path}: {reason}",
    "Argument '{argument}' has invalid default value: {reason}",
    "Argument '{argument}' has invalid default value at {path}: {reason}",
    "Argument '{argument}' of required type '{type}' was not provided.",
    "Too many errors processing variables, error limit reached. Execution aborted.",
    "Variable values are nested too deeply.",
    "Selections are nested too deeply. Execution aborted.",
}


def _graphql_core_messages(document: str, variables: Any, operation: str | None) -> list[str]:
    """graphql-core's own messages for the document, as it writes them and as redacted."""
    try:
        parsed = parse(document, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return [error.message]
    errors = list(validate(schema._schema, parsed))
    if not errors or operation is not None or document in CHOOSING:
        # Choosing the operation is execution's business: it runs even on an invalid one.
        result = execute(
            schema._schema, parsed, variable_values=variables, operation_name=operation
        )
        errors += [
            e
            for e in result.errors or []  # type: ignore[union-attr]
            if e.original_error is None or isinstance(e.original_error, GraphQLError)
        ]
    return [error.message for error in errors]


def _messages(document: str, variables: Any, operation: str | None) -> list[str]:
    raw = _graphql_core_messages(document, variables, operation)
    try:
        served = schema.execute_sync(document, variables, operation_name=operation)
    except CannotGetOperationTypeError:  # the HTTP layer refuses these (api/app.py)
        return [redact(m, variables) for m in raw]
    served_messages = [
        error.message
        for error in served.errors or []
        if (error.extensions or {}).get("code") != "INTERNAL_SERVER_ERROR"
    ]
    return [redact(m, variables) for m in raw] + served_messages


def _triggered() -> dict[Template, list[str]]:
    found: dict[Template, list[str]] = {}
    for triggers in TRIGGERS.values():
        for document, variables, operation in triggers:
            for message in _messages(document, variables, operation):
                for template in templates_of(message) or []:
                    found.setdefault(template, []).append(message)
    return found


def test_every_message_of_the_triggers_is_known():
    unknown = [
        (document[:60], message)
        for triggers in TRIGGERS.values()
        for document, variables, operation in triggers
        for message in _messages(document, variables, operation)
        if templates_of(message) is None
    ]
    assert unknown == []


def test_every_template_is_triggered_by_a_real_document():
    triggered = {template.source for template in _triggered()}
    sources = {template.source for template in ALL_TEMPLATES}
    assert sources - triggered - UNREACHABLE == set()
    assert UNREACHABLE & triggered == set(), "reachable after all: remove from UNREACHABLE"
    assert sources >= UNREACHABLE
