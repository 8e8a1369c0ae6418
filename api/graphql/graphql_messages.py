"""graphql-core's own error messages (parser, lexer, validation rules, value coercion), and
the operation limits reported in the same words, in the request's locale.

graphql-core writes its messages in English from f-strings. Each wording an executable
document can trigger is a template below: graphql-core's exact text with `{placeholders}`
where it inserts a name, type, path or token, which doubles as the catalog's msgid and as
an anchored pattern to recognise the message by. Names stay as they were sent, in the same
quotes; numbers are written in the locale's digits. Composite messages are localized part
by part: "Syntax Error: " and the lexer's description, a "Did you mean ...?" suggestion
(its names joined with the locale's "or"), a variable's or argument's invalid value and
the reason for it, the reasons two fields conflict.

Messages arrive here already redacted (api/core/redaction.py cuts the values a client sent
and `..` for `...`), so the templates match the redacted wording too. A wording no template
knows (a future graphql-core release) keeps its English text behind a localized lead
sentence, so no client gets a message without a localized part; tests trigger every
template with a real document and fail when graphql-core's wording changes.

This runs on error paths only: the patterns are compiled once, at import.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

from babel.core import UnknownLocaleError
from babel.lists import format_list
from graphql import GraphQLError

from api.core.i18n import N_, SOURCE_LOCALE, Translator
from api.graphql.context import Context

log = logging.getLogger("aidbridge.graphql")


class _Plural:
    """Marks a message with plural forms for extraction (Babel reads `ngettext` calls) where
    it is defined; the translator picks the form where it is used."""

    @staticmethod
    def ngettext(singular: str, plural: str) -> tuple[str, str]:
        return singular, plural


MARK = _Plural()

# Placeholders that carry a number: written in the locale's digits, and the count that
# chooses a plural form.
NUMBERS = frozenset({"count", "limit"})
# Placeholders whose value is itself a message (a reason), localized in turn.
NESTED = frozenset({"reason"})


@dataclass(frozen=True)
class Template:
    """One wording of graphql-core's: `source` is its English text with placeholders (and
    the msgid), `plural` the plural msgid when a count appears in it."""

    source: str
    plural: str | None = None
    # graphql-core's wording and the redacted one, each form (regex groups are per pattern),
    # with the fixed text it starts with: a cheap test before the pattern's.
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        forms = [self.source] if self.plural is None else [self.source, self.plural]
        regexes = dict.fromkeys(
            (_leading_text(form, redacted), _regex(form, redacted))
            for form in forms
            for redacted in (False, True)
        )
        patterns = tuple((lead, re.compile(regex, re.DOTALL)) for lead, regex in regexes)
        object.__setattr__(self, "patterns", patterns)

    def localized(self, translator: Translator, params: dict[str, str | int]) -> str:
        if self.plural is None:
            text = translator.gettext(self.source)
        else:
            count = params.get("count", params.get("limit", 0))
            text = translator.ngettext(
                self.source, self.plural, count if isinstance(count, int) else 0
            )
        # Only names and numbers here: filled directly, cheaper than Translator's
        # parameters (which also take labels to translate) for a thousand errors at once.
        return text.format(
            **{
                name: translator.number(value) if isinstance(value, int) else value
                for name, value in params.items()
            }
        )


def _leading_text(source: str, redacted: bool) -> str:
    literal = next(iter(Formatter().parse(source)))[0]
    return literal.replace("..", ".") if redacted else literal


def _regex(source: str, redacted: bool) -> str:
    """The anchored pattern of a wording; `redacted` for the text as redaction leaves it
    (it turns `..` into `.`, so graphql-core's `...` arrives as `..`). A placeholder that
    appears twice must match the same text twice."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conversion in Formatter().parse(source):
        text = literal.replace("..", ".") if redacted else literal
        parts.append(re.escape(text))
        if name is None:
            continue
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
    return "".join(parts)


# --- The wordings --------------------------------------------------------------------------

# The parser's and the lexer's (graphql/language), after "Syntax Error: ".
SYNTAX_ERROR = N_("Syntax Error: {description}")
SYNTAX_TEMPLATES = (
    Template(N_("Expected {expected}, found {found}.")),
    Template(N_("Expected {expected}.")),  # redacted: the token found is cut
    Template(N_("Unexpected {token}.")),
    Template(N_("Unexpected variable '${variable}' in constant value.")),
    Template(N_("{token} is reserved and cannot be used for an enum value.")),
    Template(N_("Unexpected description, descriptions are not supported on shorthand queries.")),
    Template(N_("Unexpected description, only GraphQL definitions support descriptions.")),
    Template(N_("Unexpected '..', did you mean '...'?")),
    Template(N_("Invalid number, expected digit before '.', did you mean '0.{digits}'?")),
    Template(N_("Unexpected single quote character ('), did you mean to use a double quote (\")?")),
    Template(N_("Unexpected character: {character}.")),
    Template(N_("Invalid character: {character}.")),
    Template(N_("Invalid number, unexpected digit after 0: {character}.")),
    Template(N_("Invalid number, expected digit but got: {character}.")),
    Template(N_("Invalid character within String: {character}.")),
    Template(N_("Unterminated string.")),
    Template(N_("Invalid Unicode escape sequence: '{sequence}'.")),
    Template(N_("Invalid character escape sequence: '{sequence}'.")),
    Template(
        *MARK.ngettext(
            "Document contains more than {limit} token. Parsing aborted.",
            "Document contains more than {limit} tokens. Parsing aborted.",
        )
    ),
    Template(
        *MARK.ngettext(
            "Document contains more than {limit} comment. Parsing aborted.",
            "Document contains more than {limit} comments. Parsing aborted.",
        )
    ),
    Template(
        *MARK.ngettext(
            "Source contains more than {limit} code point.",
            "Source contains more than {limit} code points.",
        )
    ),
    Template(N_("Document is nested too deeply. Parsing aborted.")),
)

# The validation rules for executable documents (graphql/validation/rules), the operation
# limits of api/graphql/execution.py, and the reasons two fields conflict.
VALIDATION_TEMPLATES = (
    Template(N_("The {definition} definition is not executable.")),
    Template(N_("The {operation} operation is not supported by the schema.")),
    Template(N_("There can be only one operation named '{operation}'.")),
    Template(N_("This anonymous operation must be the only defined operation.")),
    Template(N_("Unknown type '{type}'.")),
    Template(N_("Fragment cannot condition on non composite type '{type}'.")),
    Template(N_("Fragment '{fragment}' cannot condition on non composite type '{type}'.")),
    Template(N_("Variable '${variable}' cannot be non-input type '{type}'.")),
    Template(N_("Field '{field}' must not have a selection since type '{type}' has no subfields.")),
    Template(N_("Field '{field}' of type '{type}' must have a selection of subfields.")),
    Template(N_("Field '{field}' of type '{type}' must have at least one field selected.")),
    Template(N_("Cannot query field '{field}' on type '{type}'.")),
    Template(N_("There can be only one fragment named '{fragment}'.")),
    Template(N_("Unknown fragment '{fragment}'.")),
    Template(N_("Fragment '{fragment}' is never used.")),
    Template(
        N_(
            "Fragment cannot be spread here as objects of type '{parent}' can never be of "
            "type '{type}'."
        )
    ),
    Template(
        N_(
            "Fragment '{fragment}' cannot be spread here as objects of type '{parent}' can "
            "never be of type '{type}'."
        )
    ),
    Template(N_("Cannot spread fragment '{fragment}' within itself.")),
    Template(N_("Cannot spread fragment '{fragment}' within itself via {path}.")),
    Template(N_("There can be only one variable named '${variable}'.")),
    Template(N_("Variable '${variable}' is not defined.")),
    Template(N_("Variable '${variable}' is not defined by operation '{operation}'.")),
    Template(N_("Variable '${variable}' is never used.")),
    Template(N_("Variable '${variable}' is never used in operation '{operation}'.")),
    Template(N_("Unknown directive '@{directive}'.")),
    Template(N_("Directive '@{directive}' may not be used on {location}.")),
    Template(N_("The directive '@{directive}' can only be used once at this location.")),
    Template(N_("Unknown argument '{argument}' on field '{field}'.")),
    Template(N_("Unknown argument '{argument}' on directive '@{directive}'.")),
    Template(N_("There can be only one argument named '{argument}'.")),
    Template(N_("Argument '{argument}' of type '{type}' is required, but it was not provided.")),
    Template(
        N_("Variable '${variable}' of type '{type}' used in position expecting type '{expected}'.")
    ),
    Template(
        N_(
            "Fields '{field}' conflict because {reason}. Use different aliases on the fields "
            "to fetch both if this was intentional."
        )
    ),
    Template(N_("'{field}' and '{other}' are different fields")),
    Template(N_("they have differing arguments")),
    Template(N_("they return conflicting types '{type}' and '{other}'")),
    Template(N_("subfields '{field}' conflict because {reason}")),
    Template(N_("There can be only one input field named '{field}'.")),
    Template(N_("Maximum introspection depth exceeded")),
    Template(N_("Validation aborted.")),
    Template(N_("Too many validation errors, error limit reached. Validation aborted.")),
    Template(
        *MARK.ngettext(
            "{count} alias found. Allowed: {limit}", "{count} aliases found. Allowed: {limit}"
        )
    ),
    Template(N_("'{operation}' exceeds maximum operation depth of {limit}")),
)

# Coercion of argument literals and variable values (graphql/utilities, graphql/type,
# graphql/execution/values.py, strawberry's scalars, api/core/money.py), as redacted.
VALUE_TEMPLATES = (
    Template(N_("Int cannot represent non-integer value.")),
    Template(N_("Int cannot represent non 32-bit signed integer value.")),
    Template(N_("Float cannot represent non numeric value.")),
    Template(N_("String cannot represent a non string value.")),
    Template(N_("String cannot represent value.")),
    Template(N_("Boolean cannot represent a non boolean value.")),
    Template(N_("ID cannot represent value.")),
    Template(N_("ID cannot represent a non-string and non-integer value.")),
    Template(N_("Value {value} does not exist in '{enum}' enum.")),
    Template(N_("Enum '{enum}' cannot represent non-enum value.")),
    Template(N_("Enum '{enum}' cannot represent non-string value.")),
    Template(N_("Value cannot represent a {type}.")),
    Template(N_("Expected value of type '{type}' to be an object.")),
    Template(N_("Expected value of type '{type}' to include required field '{field}'.")),
    Template(N_("Expected value of type '{type}' not to include unknown field '{field}'.")),
    Template(N_("Expected value of non-null type '{type}' not to be None.")),
    Template(N_("Expected a value of non-null type '{type}' to be provided.")),
    Template(N_("Expected value of type '{type}', but encountered error '{error}'.")),
    Template(N_("Expected value of type '{type}'.")),
    Template(
        N_("Expected variable '${variable}' provided to type '{type}' to provide a runtime value.")
    ),
    Template(
        N_("Expected variable '${variable}' provided to non-null type '{type}' not to be None.")
    ),
    Template(
        N_(
            "Within OneOf Input Object type '{type}', exactly one field must be specified, and "
            "the value for that field must be non-null."
        )
    ),
    Template(N_("MinorUnits must be a whole number of minor units, e.g. 1050 for 10.50")),
    Template(N_("MinorUnits must be at most {limit} in absolute value")),
    Template(N_("Variable '${variable}' has invalid value: {reason}")),
    Template(N_("Variable '${variable}' has invalid value at {path}: {reason}")),
    Template(N_("Variable '${variable}' has invalid default value: {reason}")),
    Template(N_("Variable '${variable}' has invalid default value at {path}: {reason}")),
    Template(N_("Argument '{argument}' has invalid value: {reason}")),
    Template(N_("Argument '{argument}' has invalid value at {path}: {reason}")),
    Template(N_("Argument '{argument}' has invalid default value: {reason}")),
    Template(N_("Argument '{argument}' has invalid default value at {path}: {reason}")),
    Template(N_("Argument '{argument}' of required type '{type}' was not provided.")),
    Template(N_("Too many errors processing variables, error limit reached. Execution aborted.")),
    Template(N_("Variable values are nested too deeply.")),
)

# Choosing the operation to run (graphql/execution/executor.py).
OPERATION_TEMPLATES = (
    Template(N_("Must provide operation name if query contains multiple operations.")),
    Template(N_("Unknown operation named '{operation}'.")),
    Template(N_("Must provide an operation.")),
    Template(N_("Selections are nested too deeply. Execution aborted.")),
)


def _most_specific_first(templates: tuple[Template, ...]) -> tuple[Template, ...]:
    # Where two wordings both match ("Expected {expected}." and "Expected {expected},
    # found {found}."), the one with more fixed text is the one graphql-core wrote.
    return tuple(sorted(templates, key=lambda t: -len(_literal(t.plural or t.source))))


def _literal(source: str) -> str:
    return "".join(literal for literal, *_ in Formatter().parse(source))


MESSAGE_TEMPLATES = _most_specific_first(
    VALIDATION_TEMPLATES + VALUE_TEMPLATES + OPERATION_TEMPLATES
)
LEXER_TEMPLATES = _most_specific_first(SYNTAX_TEMPLATES)
ALL_TEMPLATES = LEXER_TEMPLATES + MESSAGE_TEMPLATES

# "<message> Did you mean 'a', 'b', or 'c'?" (graphql/pyutils/did_you_mean.py), where the
# message is a sentence of its own; one msgid per lead-in graphql-core uses. Variables'
# unknown fields are followed by " Found: <the input>", which is left out.
SUGGESTIONS = {
    None: N_("{sentence} Did you mean {suggestions}?"),
    "the enum value": N_("{sentence} Did you mean the enum value {suggestions}?"),
    "to use an inline fragment on": N_(
        "{sentence} Did you mean to use an inline fragment on {suggestions}?"
    ),
}
_SUGGESTION = re.compile(
    r"(?P<message>.+?[.!?]) Did you mean (?:(?P<lead>the enum value|to use an inline fragment "
    r"on) )?(?P<suggestions>'[^?]*')\?(?: Found: .*)?",
    re.DOTALL,
)
_ANY_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?(?: Found: .*)?", re.DOTALL)
_QUOTED = re.compile(r"'([^']*)'")
_SUBFIELDS = " and subfields '"
_SYNTAX_PREFIX = "Syntax Error: "

# An English message no template knows, behind a sentence in the reader's language.
UNRECOGNIZED = N_("The GraphQL request is invalid (details in English): {details}")

# Codes whose messages are graphql-core's, or the limits': every one gets a localized part.
# BAD_USER_INPUT is shared with the platform's own (already localized) errors, so only a
# recognised wording is localized there.
GRAPHQL_CODES = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
LOCALIZED_CODES = GRAPHQL_CODES | {"BAD_USER_INPUT"}


# --- Localizing ----------------------------------------------------------------------------


def match(message: str) -> tuple[Template, dict[str, str]] | None:
    """The template of one plain (not composite) message and the values of its
    placeholders, or None."""
    templates = LEXER_TEMPLATES if message.startswith(_SYNTAX_PREFIX) else MESSAGE_TEMPLATES
    text = message.removeprefix(_SYNTAX_PREFIX)
    for template in templates:
        for lead, pattern in template.patterns:
            if not text.startswith(lead):
                continue
            found = pattern.fullmatch(text)
            if found is not None:
                return template, found.groupdict()
    return None


def localized_message(message: str, translator: Translator, *, suggestions: bool = True) -> str:
    """`message` (a graphql-core message, already redacted) in the translator's locale; an
    unknown wording behind a localized lead sentence (in English: unchanged)."""
    if not suggestions:
        message = _ANY_SUGGESTION.sub("", message)
    text = _localized(message, translator)
    if text is not None:
        return text
    if translator.locale.split("_")[0] == SOURCE_LOCALE:
        return message
    return translator.gettext(UNRECOGNIZED, details=message)


def localized_error(error: GraphQLError, translator: Translator, context: Any) -> GraphQLError:
    """The error with its graphql-core message in the request's locale (other errors are
    left as they are: they are localized where they are raised). In production no
    suggestions, as api/graphql/profile.py wants."""
    code = (error.extensions or {}).get("code")
    if code not in LOCALIZED_CODES:
        return error
    suggestions = not (isinstance(context, Context) and context.settings.is_production)
    try:
        if code in GRAPHQL_CODES:
            message = localized_message(error.message, translator, suggestions=suggestions)
        else:
            text = error.message if suggestions else _ANY_SUGGESTION.sub("", error.message)
            message = _localized(text, translator) or error.message
    except (KeyError, IndexError, ValueError, AttributeError, UnknownLocaleError):
        # A catalog's translation with a placeholder of its own (an instance's catalog):
        # the English message is better than no answer.
        log.exception("cannot localize a GraphQL error message")
        return error
    if message == error.message:
        return error
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        error.extensions,
    )


def _localized(message: str, translator: Translator) -> str | None:
    if message.startswith(_SYNTAX_PREFIX):
        description = _plain(message, translator)
        if description is None:
            return None
        return translator.gettext(SYNTAX_ERROR, description=description)
    text = _plain(message, translator)
    if text is not None:
        return text
    suggested = _SUGGESTION.fullmatch(message)
    if suggested is None:
        return None
    head = _localized(suggested["message"], translator)
    if head is None:
        return None
    names = [f"'{name}'" for name in _QUOTED.findall(suggested["suggestions"])]
    options = format_list(names, style="or", locale=translator.locale)
    return translator.gettext(SUGGESTIONS[suggested["lead"]], sentence=head, suggestions=options)


def _plain(message: str, translator: Translator) -> str | None:
    found = match(message)
    if found is None:
        return None
    template, values = found
    params: dict[str, str | int] = {}
    for name, value in values.items():
        if name in NUMBERS and value.isdigit():
            params[name] = int(value)
        elif name in NESTED:
            params[name] = _reason(value, translator)
        else:
            params[name] = value
    return template.localized(translator, params)


def _reason(reason: str, translator: Translator) -> str:
    """A nested reason: a message of its own, or conflicts of several subfields joined
    with "and"; an unknown one stays as it is (its sentence around it is localized)."""
    whole = _localized(reason, translator)
    if whole is not None:
        return whole
    if _SUBFIELDS in reason:
        first, *others = reason.split(_SUBFIELDS)
        parts = [first, *(f"subfields '{other}" for other in others)]
        localized = [_localized(part, translator) for part in parts]
        if all(part is not None for part in localized):
            return translator.list([part for part in localized if part is not None])
    return reason


def templates_of(message: str) -> list[Template] | None:
    """The templates `message` is made of, in the order `localized_message` uses them, or
    None when a part of it is a wording no template knows (tests use it to tell a
    graphql-core upgrade that changed a wording)."""
    found = match(message)
    if found is not None:
        template, values = found
        used = [template]
        for name, value in values.items():
            if name in NESTED:
                nested = templates_of(value)
                if nested is None and _SUBFIELDS in value:
                    first, *others = value.split(_SUBFIELDS)
                    parts = [templates_of(p) for p in [first, *(f"subfields '{o}" for o in others)]]
                    nested = None if None in parts else [t for p in parts for t in p or []]
                if nested is None:
                    return None
                used += nested
        return used
    suggested = _SUGGESTION.fullmatch(message)
    if suggested is None or message.startswith(_SYNTAX_PREFIX):
        return None
    head = templates_of(suggested["message"])
    return None if head is None else head
