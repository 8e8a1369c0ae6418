"""What every fuzzed answer must satisfy, and the bounds of a fuzzing run."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql
import httpx
import sqlalchemy as sa
from hypothesis import HealthCheck, event, seed, settings
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.core.auth import ANONYMOUS, Principal
from api.crowdfunding.models import Backing
from api.donation.models import Donation
from api.households.models import Household
from api.mall.models import Order, SellerManager
from api.regions.models import Region

SDL = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text()
SCHEMA = graphql.build_schema(SDL)
EXAMPLES = int(os.environ.get("AIDBRIDGE_FUZZ_EXAMPLES", "150"))
# Unset: derandomized, the same documents on every run (CI). Set: other documents.
SEED = os.environ.get("AIDBRIDGE_FUZZ_SEED")

# Household fields only caseworkers covering the household and admins may read
# (api/households/types.py, `sensitive(...)`).
HOUSEHOLD_PERSONAL = frozenset(
    name
    for name, field in SCHEMA.type_map["Household"].fields.items()  # type: ignore[attr-defined]
    if "Personal data" in (field.description or "")
)


@dataclass(frozen=True)
class Guard:
    """Personal fields of one type, and who may read them on one object of it: any of
    `readers` (relations of the caller to the object, see READERS). `anonymous_only`:
    only while the object is anonymous (a named gift's name is on the public wall).
    `of`: the object is the nearest enclosing one of that type (a receipt's donation)."""

    fields: frozenset[str]
    readers: tuple[str, ...]
    anonymous_only: bool = False
    of: str | None = None


# Who may read which personal field, from the SDL's descriptions and api/*/types.py:
# - Household: `sensitive(...)` in api/households/types.py;
# - Viewer: only your own account resolves (api/accounts/schema.py, `Viewer.resolve_nodes`,
#   `me`), or one you just created (the creator exemption, CREATED_FOR_CALLER);
# - Order: `visible_orders_condition` in api/mall/service.py;
# - Donation: `visible_donations_condition` in api/donation/service.py (its donor, logged
#   in, and platform admins); a target's manager allowed to reconcile (`may_manage`)
#   holds the money, not the right to know an anonymous donor, as for backings;
# - Backing: `may_identify_backer` in api/crowdfunding/service.py (the campaign's
#   managers see a backing, but not an anonymous backer's name or message).
PERSONAL_FIELDS: dict[str, Guard] = {
    "Household": Guard(HOUSEHOLD_PERSONAL, ("caseworker covering it", "platform admin")),
    "Viewer": Guard(frozenset({"email"}), ("the account itself",)),
    "Order": Guard(
        frozenset({"shippingAddress"}), ("its buyer", "a manager of its seller", "platform admin")
    ),
    "Donation": Guard(
        frozenset({"donorName", "message"}), ("its donor", "platform admin"), anonymous_only=True
    ),
    "DonationReceipt": Guard(
        frozenset({"donorName", "html"}),
        ("its donor", "platform admin"),
        anonymous_only=True,
        of="Donation",
    ),
    "Backing": Guard(
        frozenset({"backerName", "message"}), ("its backer", "platform admin"), anonymous_only=True
    ),
    "BackingReceipt": Guard(
        frozenset({"backerName", "html"}),
        ("its backer", "platform admin"),
        anonymous_only=True,
        of="Backing",
    ),
}


def _reaches(kind: Any, names: set[str], depth: int) -> bool:
    named = graphql.get_named_type(kind)
    if named.name in names or named.name == "Node":
        return True
    fields = getattr(named, "fields", None)
    if not depth or not fields:
        return False
    return any(_reaches(f.type, names, depth - 1) for f in fields.values())


# Root query fields that lead (within three fields, or through `node`) to a guarded type
# other than Household, plus the public lists of donors and backers: a fuzzer restricted
# to them reaches the rules above often (over all ~100 root fields, hardly ever).
PERSONAL_ROOTS = sorted(
    {
        name
        for name, root in SCHEMA.query_type.fields.items()  # type: ignore[union-attr]
        if _reaches(root.type, set(PERSONAL_FIELDS) - {"Household"}, 3)
    }
    | {"donationWall"}
)
# What each selection set of these types also asks, so an answer tells whose object it
# is. Without aliases: the server allows 40 aliases a document, and generated documents
# come close.
KEY_FIELDS = {
    "Household": "publicCode",
    "Viewer": "id",
    "Order": "id",
    "Donation": "id",
    "Backing": "id",
}
# Root mutation fields whose payload field returns what the caller just created (or, for
# tokenCreate, the account they just logged in as): theirs to read, whoever they are.
CREATED_FOR_CALLER = {
    "accountRegister": "account",
    "sellerAccountRegister": "account",
    "staffAccountCreate": "account",
    "tokenCreate": "account",
    "donationCreate": "donation",
    "campaignBack": "backing",
    "orderPlace": "order",
}
TRACEBACK_MARKS = ("Traceback", 'File "', '.py", line', "sqlalchemy.exc", "psycopg.")
# Mutations that would only log the fuzzing actors out (making later examples anonymous).
SKIPPED_MUTATIONS = {"tokenRevoke", "tokenRevokeAll"}
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - SKIPPED_MUTATIONS)  # type: ignore[union-attr]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    print_blob=True,
    # One world per test, shared by its examples: fuzzed mutations may change it, as a
    # real instance is changed by its users.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def reseeded(test: Any) -> Any:
    """The test with AIDBRIDGE_FUZZ_SEED as hypothesis's seed, when it is set."""
    return seed(int(SEED))(test) if SEED is not None else test


# --- Who asks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """One fuzzing caller: its token, who it is, and the world's personal values it may
    not see anywhere in an answer (`forbidden`)."""

    name: str
    token: str | None
    principal: Principal
    engine: Engine
    forbidden: frozenset[str] = field(default=frozenset())

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def caller_of(name: str, actor: Any, world: Any, secrets: Mapping[str, frozenset[str]]) -> Caller:
    """The caller `name` of the fuzz world (`actor` None: anonymous); `secrets` maps each
    personal value of the world to the callers who may read it."""
    return Caller(
        name=name,
        token=actor.token if actor else None,
        principal=world.principal(actor) if actor else ANONYMOUS,
        engine=world.engine,
        forbidden=frozenset(value for value, readers in secrets.items() if name not in readers),
    )


def _one(engine: Engine, statement: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(statement).first()


def _covers_household(caller: Caller, code: str) -> bool:
    found = _one(
        caller.engine,
        sa.select(Region.path)  # type: ignore[call-overload]
        .join(Household, Household.region_id == Region.id)
        .where(Household.public_code == code),
    )
    return found is not None and caller.principal.covers_region(found[0])


def _is(column: Any, key_column: Any) -> Callable[[Caller, str], bool]:
    """The relation "the caller's account is `column` of the row whose `key_column` is the
    object's key"."""

    def holds(caller: Caller, key: str) -> bool:
        if caller.principal.account_id is None or not key.isdigit():
            return False
        found = _one(caller.engine, sa.select(column).where(key_column == int(key)))
        return found is not None and found[0] == caller.principal.account_id

    return holds


def _manages_seller_of_order(caller: Caller, key: str) -> bool:
    if caller.principal.account_id is None or not key.isdigit():
        return False
    managers = sa.select(SellerManager.seller_id).where(  # type: ignore[call-overload]
        SellerManager.account_id == caller.principal.account_id
    )
    found = _one(
        caller.engine,
        sa.select(Order.id).where(  # type: ignore[call-overload]
            Order.id == int(key), col(Order.seller_id).in_(managers)
        ),
    )
    return found is not None


READERS: dict[str, Callable[[Caller, str], bool]] = {
    "platform admin": lambda caller, _: caller.principal.is_admin,
    "caseworker covering it": _covers_household,
    "the account itself": lambda caller, key: key == str(caller.principal.account_id),
    "its buyer": _is(Order.buyer_account_id, Order.id),
    "a manager of its seller": _manages_seller_of_order,
    "its donor": _is(Donation.donor_account_id, Donation.id),
    "its backer": _is(Backing.backer_account_id, Backing.id),
}
ANONYMOUS_FLAGS = {
    "Donation": (Donation.anonymous, Donation.id),
    "Backing": (Backing.anonymous, Backing.id),
}


def may_read(caller: Caller, type_name: str, key: str) -> bool:
    """Whether `caller` may read the personal fields of the object `key` of `type_name`
    (a guarded type with its own key, not a receipt)."""
    guard = PERSONAL_FIELDS[type_name]
    if guard.anonymous_only:
        flag, key_column = ANONYMOUS_FLAGS[type_name]
        found = _one(caller.engine, sa.select(col(flag)).where(col(key_column) == int(key)))
        if found is not None and not found[0]:
            return True
    return any(READERS[reader](caller, key) for reader in guard.readers)


# --- What the answer holds ----------------------------------------------------------------


# Personal fields every generated selection set on these types also asks (with
# `instrumented(..., personal=True)`): a fuzzer that reaches an object anyhow (a `node`
# fragment, a payload) puts the rule for it to the test. One household field stands for
# all (each refused one is an error and an audit event).
ASKED_PERSONAL = {
    "Household": ("headName",),
    "Viewer": ("email",),
    "Order": ("shippingAddress",),
    "Donation": ("donorName", "message"),
    "DonationReceipt": ("donorName",),
    "Backing": ("backerName", "message"),
    "BackingReceipt": ("backerName",),
}


def instrumented(document: graphql.DocumentNode, *, personal: bool = False) -> graphql.DocumentNode:
    """Every selection set also asks `__typename`, and the object's key (KEY_FIELDS)
    where the object may be of a guarded type, so answers can be read by type and
    object; with `personal`, also the type's ASKED_PERSONAL fields. On an interface or a
    union, through a fragment for each guarded type it may be. A field that would conflict
    with one the selection set answers under the same name is not asked."""
    type_info = graphql.TypeInfo(SCHEMA)

    def wanted(type_name: str) -> list[str]:
        names = [KEY_FIELDS[type_name]] if type_name in KEY_FIELDS else []
        return names + list(ASKED_PERSONAL.get(type_name, ()) if personal else ())

    class Ask(graphql.Visitor):
        def leave_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> Any:
            parent = type_info.get_parent_type()
            if parent is None:
                return None
            answered = _answered(node, parent)
            added: list[graphql.SelectionNode] = [_field("__typename")]
            if isinstance(parent, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType):
                for name in {*KEY_FIELDS, *ASKED_PERSONAL}:
                    if not SCHEMA.is_sub_type(parent, SCHEMA.type_map[name]):
                        continue
                    fields = [f for f in wanted(name) if _fits(answered, name, f)]
                    if fields:
                        added.append(_fragment(name, tuple(_field(f) for f in fields)))
            else:
                added += [_field(f) for f in wanted(parent.name) if _fits(answered, parent.name, f)]
            return graphql.SelectionSetNode(selections=(*node.selections, *added))

    return graphql.visit(document, graphql.TypeInfoVisitor(type_info, Ask()))


@dataclass(frozen=True)
class _Answered:
    """One field a selection set answers: under which name, on which type, of what type."""

    response: str
    parent: str
    name: str
    type: str
    plain: bool  # no arguments, no sub-selection


def _answered(node: graphql.SelectionSetNode, parent: graphql.GraphQLNamedType) -> list[_Answered]:
    """The fields a selection set answers, its inline fragments' included."""
    found: list[_Answered] = []
    for selection in node.selections:
        if isinstance(selection, graphql.FieldNode):
            field = getattr(parent, "fields", {}).get(selection.name.value)
            found.append(
                _Answered(
                    (selection.alias or selection.name).value,
                    parent.name,
                    selection.name.value,
                    str(field.type) if field else "",
                    not selection.arguments and selection.selection_set is None,
                )
            )
        elif isinstance(selection, graphql.InlineFragmentNode):
            condition = selection.type_condition
            inner = SCHEMA.get_type(condition.name.value) if condition else parent
            found += _answered(selection.selection_set, inner or parent)
    return found


def _fits(answered: list[_Answered], type_name: str, name: str) -> bool:
    """Whether asking `name` on `type_name` beside what is answered keeps the document
    valid: every field answering under that name has its type, and on the same type is
    the same plain field."""
    kind = str(SCHEMA.type_map[type_name].fields[name].type)  # type: ignore[attr-defined]
    return all(
        other.type == kind and (other.parent != type_name or (other.name == name and other.plain))
        for other in answered
        if other.response == name
    )


def with_typenames(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """`instrumented` without the personal fields: for hand-written documents."""
    return instrumented(document)


def _fragment(
    type_name: str, selections: tuple[graphql.SelectionNode, ...]
) -> graphql.InlineFragmentNode:
    return graphql.InlineFragmentNode(
        type_condition=graphql.NamedTypeNode(name=graphql.NameNode(value=type_name)),
        selection_set=graphql.SelectionSetNode(selections=selections),
    )


def _field(name: str) -> graphql.FieldNode:
    return graphql.FieldNode(name=graphql.NameNode(value=name))


@dataclass(frozen=True)
class Reading:
    """A guarded personal field that came back non-null: where, on which object (its
    guarded type and key), and whether the caller had just created that object."""

    path: str
    type_name: str
    field: str
    owner_type: str
    key: str | None
    created: bool


def personal_values(document: graphql.DocumentNode, data: Any) -> list[Reading]:
    """Every guarded personal field (PERSONAL_FIELDS) that came back non-null."""
    found: list[Reading] = []
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, graphql.FragmentDefinitionNode)
    }
    [operation] = operations
    root = SCHEMA.get_root_type(operation.operation)
    assert root is not None
    walk = _Walk(found, fragments, operation.operation == graphql.OperationType.MUTATION)
    walk.selections(operation.selection_set, root, data, "", {}, created=False)
    return found


@dataclass
class _Walk:
    found: list[Reading]
    fragments: dict[str, graphql.FragmentDefinitionNode]
    mutation: bool

    def selections(
        self,
        selections: graphql.SelectionSetNode,
        parent: graphql.GraphQLNamedType,
        value: Any,
        path: str,
        owners: dict[str, str | None],
        *,
        created: bool,
    ) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.selections(
                    selections, parent, item, f"{path}[{index}]", owners, created=created
                )
            return
        if not isinstance(value, dict):
            return
        concrete = SCHEMA.get_type(value.get("__typename", parent.name)) or parent
        if concrete.name in KEY_FIELDS:
            key = _key_of(concrete.name, value.get(KEY_FIELDS[concrete.name]))
            owners = {**owners, concrete.name: key}
        for selection in selections.selections:
            if isinstance(selection, graphql.FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(fragment.type_condition, concrete):
                    self.selections(
                        fragment.selection_set, concrete, value, path, owners, created=created
                    )
            elif isinstance(selection, graphql.InlineFragmentNode):
                if self._applies(selection.type_condition, concrete):
                    self.selections(
                        selection.selection_set, concrete, value, path, owners, created=created
                    )
            elif isinstance(selection, graphql.FieldNode):
                self.field(selection, concrete, value, path, owners, created=created)

    @staticmethod
    def _applies(
        condition: graphql.NamedTypeNode | None, concrete: graphql.GraphQLNamedType
    ) -> bool:
        if condition is None:
            return True
        target = SCHEMA.get_type(condition.name.value)
        return target is concrete or (
            isinstance(target, graphql.GraphQLInterfaceType | graphql.GraphQLUnionType)
            and SCHEMA.is_sub_type(target, concrete)
        )

    def field(
        self,
        selection: graphql.FieldNode,
        concrete: graphql.GraphQLNamedType,
        value: dict[str, Any],
        path: str,
        owners: dict[str, str | None],
        *,
        created: bool,
    ) -> None:
        name = selection.name.value
        if name == "__typename":
            return
        key = selection.alias.value if selection.alias else name
        here = f"{path}.{key}"
        guard = PERSONAL_FIELDS.get(concrete.name)
        if guard is not None and name in guard.fields and value.get(key) is not None:
            owner_type = guard.of or concrete.name
            self.found.append(
                Reading(here, concrete.name, name, owner_type, owners.get(owner_type), created)
            )
        fields = getattr(concrete, "fields", {})
        if selection.selection_set is None or name not in fields:
            return
        child = graphql.get_named_type(fields[name].type)
        if self.mutation and path == "" and name in CREATED_FOR_CALLER:
            self._payload(selection, child, value.get(key), here, owners, name)
        else:
            self.selections(
                selection.selection_set, child, value.get(key), here, owners, created=created
            )

    def _payload(
        self,
        selection: graphql.FieldNode,
        payload: graphql.GraphQLNamedType,
        value: Any,
        path: str,
        owners: dict[str, str | None],
        root_field: str,
    ) -> None:
        """A creating mutation's payload: its created-object field is the caller's."""
        if not isinstance(value, dict) or selection.selection_set is None:
            return
        fields = getattr(payload, "fields", {})
        for inner in selection.selection_set.selections:
            if not isinstance(inner, graphql.FieldNode):
                # A fragment on the payload: judged as if not the caller's (the stricter).
                only = graphql.SelectionSetNode(selections=(inner,))
                self.selections(only, payload, value, path, owners, created=False)
                continue
            if inner.name.value not in fields or inner.selection_set is None:
                continue
            key = inner.alias.value if inner.alias else inner.name.value
            child = graphql.get_named_type(fields[inner.name.value].type)
            self.selections(
                inner.selection_set,
                child,
                value.get(key),
                f"{path}.{key}",
                owners,
                created=inner.name.value == CREATED_FOR_CALLER[root_field],
            )


def _key_of(type_name: str, raw: Any) -> str | None:
    """The object's key: a household's public code, else the database id in its global ID."""
    if not isinstance(raw, str):
        return None
    if KEY_FIELDS[type_name] != "id":
        return raw
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    named, _, key = decoded.partition(":")
    return key if named == type_name else None


def leaks(caller: Caller, readings: list[Reading]) -> list[Reading]:
    """The readings `caller` may not see: not of what it just created, and not of an
    object it may read (unknown objects count as leaks: the key was asked for)."""
    judged: dict[tuple[str, str | None], bool] = {}
    leaked = []
    for reading in readings:
        if reading.created:
            continue
        owner = (reading.owner_type, reading.key)
        if owner not in judged:
            judged[owner] = reading.key is not None and may_read(
                caller, reading.owner_type, reading.key
            )
        if not judged[owner]:
            leaked.append(reading)
    return leaked


# --- The rules ------------------------------------------------------------------------------


def check_answer(
    response: httpx.Response, caller: Caller, document: graphql.DocumentNode
) -> list[Reading]:
    """The rules of every answer: below 500, no traceback, every error coded and expected,
    no personal field (PERSONAL_FIELDS) `caller` may not read, and none of the world's
    personal values it may not read anywhere in the text. Returns the personal fields it
    read (all permitted), so fuzzers can tell what they reached."""
    who = caller.name
    text = response.text
    assert response.status_code < 500, f"{who}: HTTP {response.status_code}: {text[:2000]}"
    for mark in TRACEBACK_MARKS:
        assert mark not in text, f"{who}: traceback text {mark!r} in {text[:2000]}"
    shown = [secret for secret in caller.forbidden if secret in text]
    assert not shown, f"{who} was shown {shown}: {text[:2000]}"
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, f"{who}: an error without extensions.code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"{who}: an unexpected error: {error}"
    readings = personal_values(document, body.get("data"))
    leaked = leaks(caller, readings)
    assert not leaked, f"{who} read personal fields it may not: {leaked}"
    return readings


def note_reached(readings: list[Reading], caller: Caller) -> None:
    """Tell hypothesis which guarded fields an example reached, for its statistics
    (`pytest tests/fuzz --hypothesis-show-statistics`): a rule that never fires proves
    nothing, and test_leak_check.py makes sure every one can."""
    for reading in readings:
        event(f"{caller.name} read {reading.type_name}.{reading.field}")
