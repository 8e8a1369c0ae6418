"""The per-request context: one session (one unit of work), the caller, the locale,
and per-request caches that let list resolvers load relations in bulk."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request

from api.accounts.tokens import principal_for_token
from api.core.auth import ANONYMOUS, Principal
from api.core.db import open_session, read_session
from api.core.i18n import Translator, translator_for
from api.core.locales import negotiate_locale
from api.core.settings import Settings


@dataclass
class AuditRead:
    subject_type: str
    subject_id: int
    fields: set[str]
    # Where the subject is (see api/audit/locations.py), and whether the read was refused.
    household_id: int | None = None
    region_path: str | None = None
    refused: bool = False


@dataclass
class Context:
    settings: Settings
    engine: Engine
    request: Request | None = None
    # Strawberry's per-request response: headers set here reach the client.
    response: Any = None
    bearer_token: str | None = None
    explicit_locale: str | None = None
    accept_language: str | None = None
    is_mutation: bool = False
    # The operation's cost, computed from the document and variables before it runs
    # (api/graphql/cost.py); what the rate limit charges (api/core/ratelimit.py).
    cost: int = 1
    _session: Session | None = None
    # A mutation's reads before its write transaction (see `read_session`).
    _reader: Session | None = None
    _principal: Principal | None = None
    _locale: str | None = None
    _translator: Translator | None = None
    # Bulk-loaded rows keyed by (kind, id): resolvers look here before querying.
    cache: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    # Sensitive reads gathered during execution, written as audit events at the end.
    audit_reads: dict[tuple[str, int, bool], AuditRead] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        """The operation's unit of work; a mutation's takes SQLite's write lock at its
        first statement and keeps it to the commit."""
        if self._session is None:
            self.end_reads()
            self._session = open_session(self.engine, write=self.is_mutation)
        return self._session

    @property
    def read_session(self) -> Session:
        """Where a mutation reads before it writes (the caller's token, what a password
        is checked against): a read-only transaction of its own, so slow work that
        follows (api/graphql/mutations.py `prepare`) runs without SQLite's write lock and
        without a PostgreSQL connection held. What it read may change before the write:
        the write step re-checks what it relies on. Once the unit of work is open (a
        query, or a mutation that already wrote), reads go to it and see its writes."""
        if self._session is not None or not self.is_mutation:
            return self.session
        if self._reader is None:
            self._reader = read_session(self.engine)
        return self._reader

    def end_reads(self) -> None:
        """End the read-only transaction, if any: its snapshot and connection go back
        before slow work or the write transaction starts."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            self._principal = (
                principal_for_token(self.read_session, self.bearer_token, self.settings.secret_key)
                if self.bearer_token
                else ANONYMOUS
            )
        return self._principal

    @property
    def locale(self) -> str:
        if self._locale is None:
            self._locale = self._negotiate(self.principal.locale if self.bearer_token else None)
        return self._locale

    def _negotiate(self, preferred: str | None) -> str:
        instance = self.settings.instance
        return negotiate_locale(
            explicit=self.explicit_locale,
            preferred=preferred,
            accept_language=self.accept_language,
            available=instance.locales,
            default=instance.default_locale,
        )

    def translator_without_lookup(self) -> Translator:
        """The request's translator without touching the database: for errors raised
        before execution (or after the session closed), when the account's language may
        not have been looked up."""
        if self._locale is not None:
            return self.translator
        return translator_for(self.settings.instance.localisation, self._negotiate(None))

    @property
    def translator(self) -> Translator:
        """Messages, labels and formats in the request's locale (kept for the request:
        label and message fields ask for it once per row)."""
        locale = self.locale
        if self._translator is None or self._translator.locale != locale:
            self._translator = translator_for(self.settings.instance.localisation, locale)
        return self._translator

    def record_sensitive_read(
        self,
        subject_type: str,
        subject_id: int,
        field_name: str,
        *,
        household_id: int | None = None,
        region_path: str | None = None,
        refused: bool = False,
    ) -> None:
        """Note a read of a personal field, or a refused attempt at one: one audit event
        per subject and outcome is written with the operation's transaction."""
        key = (subject_type, subject_id, refused)
        entry = self.audit_reads.get(key)
        if entry is None:
            self.audit_reads[key] = AuditRead(
                subject_type, subject_id, {field_name}, household_id, region_path, refused
            )
        else:
            entry.fields.add(field_name)

    def close(self) -> None:
        self.end_reads()
        if self._session is not None:
            self._session.close()
            self._session = None
