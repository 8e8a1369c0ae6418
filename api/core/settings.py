"""Settings from the environment, an optional `.env`, and the instance file.

Invalid configuration stops start-up with one message that names the setting, so an
operator never has to read a traceback to find a typo.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

from api.core.i18n import DEFAULT_PROVIDER, LocalisationConfig

DEFAULT_INSTANCE_FILE = Path(__file__).with_name("instance_default.toml")
SECRET_FILE_NAME = ".aidbridge-secret"  # noqa: S105  (a file name, not a secret)
_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")


class ConfigError(Exception):
    """A setting is missing or invalid; `setting` names it for the operator."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Invalid configuration: {setting}: {problem}")
        self.setting = setting
        self.problem = problem


@dataclass(frozen=True)
class TaxonomyEntry:
    """One code of an instance taxonomy with the labels the instance gives it by locale.
    Locales it gives none for are looked up in the catalogs by the English label."""

    code: str
    labels: Mapping[str, str]

    def own_label(self, locale: str) -> str | None:
        language = locale.split("_")[0]
        return self.labels.get(locale) or self.labels.get(language)


DEFAULT_MAX_AMOUNT_MINOR = 10**12
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
PERSISTED_MODES = ("off", "apq", "only")
DEFAULT_MAX_QUERY_NODES = 50_000
DEFAULT_OPERATION_TIMEOUT = 10.0
DEFAULT_CAMPAIGN_CLOSE_INTERVAL = 60.0
DEFAULT_SMALL_COUNT_THRESHOLD = 5


@dataclass(frozen=True)
class Instance:
    """What makes one deployment its own: country, money, languages, places and taxonomies."""

    country: str
    name: str
    default_currency: str
    default_locale: str
    locales: tuple[str, ...]
    admin_levels: tuple[str, ...]
    public_region_level: int
    pledge_grace_days: int
    poverty_causes: tuple[TaxonomyEntry, ...]
    need_categories: tuple[TaxonomyEntry, ...]
    # IANA time zone in which dates are shown and months are counted for people.
    timezone: str = "UTC"
    localisation: LocalisationConfig = field(default_factory=LocalisationConfig)
    # Currencies money may be given in (the default one first), and the largest amount
    # one input may carry, in minor units.
    currencies: tuple[str, ...] = ()
    max_amount_minor: int = DEFAULT_MAX_AMOUNT_MINOR
    # Statistics for callers who are not staff of an area: smaller figures are withheld.
    small_count_threshold: int = DEFAULT_SMALL_COUNT_THRESHOLD
    # Preset gift amounts per currency, in minor units, for donation and backing forms;
    # a currency not listed gets 10, 25, 50 and 100 of its major unit.
    suggested_amounts: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __post_init__(self) -> None:
        if not self.currencies:
            object.__setattr__(self, "currencies", (self.default_currency,))

    def cause_codes(self) -> frozenset[str]:
        return frozenset(entry.code for entry in self.poverty_causes)

    def category_codes(self) -> frozenset[str]:
        return frozenset(entry.code for entry in self.need_categories)


SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server the built-in `smtp` notifier sends through."""

    host: str
    port: int
    sender: str
    security: str = "starttls"  # one of SMTP_SECURITY_MODES
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class NotificationSettings:
    """How messages to people (a password reset link) leave the platform: `notifier` is
    "console" (logs them; for development), "smtp", or an `aidbridge.notifiers` entry
    point. `public_url` is where the frontend lives; links in messages start with it."""

    notifier: str = "console"
    # Production refuses the console notifier unless this is set (AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER).
    allow_console: bool = False
    public_url: str | None = None
    smtp: SmtpSettings | None = None


RATE_LIMIT_STORES = ("auto", "redis", "database", "memory")
LOOPBACK_PROXIES = ("127.0.0.1/32", "::1/128")


@dataclass(frozen=True)
class RateLimitSettings:
    """Budgets that keep one client from taking the instance down (docs/security.md).

    `store` is where the counters live: "redis" (AIDBRIDGE_REDIS_URL), "database" (a table
    of the instance's database) or "memory" (this process only: the embedded SQLite
    default with one worker). "auto" picks the first of those that fits."""

    store: str = "auto"
    redis_url: str | None = field(default=None, repr=False)
    # Cost points (api/graphql/cost.py) one client may spend per hour on /graphql.
    points_per_hour: int = 5000
    # Peers whose X-Forwarded-For is believed (CIDRs); the loopback by default, where a
    # reverse proxy on the same host connects from.
    trusted_proxies: tuple[str, ...] = LOOPBACK_PROXIES
    # Logins: free failures before the wait doubles from `backoff_seconds`, capped at
    # `backoff_max_seconds` (0 turns backoff off), and failures allowed per hour.
    login_free_attempts: int = 5
    login_max_failures: int = 200
    login_ip_free_attempts: int = 20
    login_ip_max_failures: int = 1000
    backoff_seconds: float = 1.0
    backoff_max_seconds: int = 300
    # Password reset requests per email and per client address.
    reset_free_requests: int = 3
    reset_max_requests: int = 10
    reset_ip_max_requests: int = 100
    # Server processes sharing the instance (WEB_CONCURRENCY, `aidbridge serve --workers`).
    workers: int = 1
    # While a shared store (Redis, the counters' table) fails, each process counts in its
    # own memory and tries the store again once per this many seconds.
    store_retry_seconds: float = 5.0


DEFAULT_RESPONSE_CACHE_ENTRIES = 1000
DEFAULT_RESPONSE_CACHE_BYTES = 32 * 1024 * 1024
DEFAULT_RESPONSE_CACHE_MAX_AGE = 60.0


@dataclass(frozen=True)
class ResponseCacheSettings:
    """The cache of anonymous GraphQL answers (api/graphql/response_cache.py,
    docs/response-cache.md): on or off, how many answers and bytes a process keeps (in
    Redis when AIDBRIDGE_REDIS_URL is set), how long an answer may be served at most, and
    the max-age browsers and proxies are told (0: they revalidate every time)."""

    enabled: bool = True
    max_entries: int = DEFAULT_RESPONSE_CACHE_ENTRIES
    max_bytes: int = DEFAULT_RESPONSE_CACHE_BYTES
    max_age: float = DEFAULT_RESPONSE_CACHE_MAX_AGE
    http_max_age: int = 0
    redis_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    environment: str
    instance: Instance
    port: int = 8000
    extra: Mapping[str, str] = field(default_factory=dict)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    # Where pictures stored by the instance are fetched from (a CDN in front of `/media`);
    # None: the address the API itself was reached at.
    media_url: str | None = None
    # The largest request body /graphql reads (multipart uploads have their own limit).
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Introspection (`__schema`, `__type`); None: on in development, off in production.
    introspection: bool | None = None
    # "off" (any document; registered ones also by hash), "apq" (also remembers documents
    # sent with their hash) or "only" (registered documents, by hash, and nothing else).
    persisted_operations: str = "off"
    # Origins whose pages may call the API from a browser (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    # What one GraphQL operation may ask for and take (api/graphql/cost.py, docs/security.md):
    # requested objects (AIDBRIDGE_MAX_QUERY_NODES) and seconds (AIDBRIDGE_OPERATION_TIMEOUT).
    max_query_nodes: int = DEFAULT_MAX_QUERY_NODES
    operation_timeout: float = DEFAULT_OPERATION_TIMEOUT
    # Seconds between the server's rounds of settling overdue campaigns
    # (api/crowdfunding/closer.py, AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL); 0: only a scheduler
    # running `aidbridge close-campaigns` does.
    campaign_close_interval: float = DEFAULT_CAMPAIGN_CLOSE_INTERVAL
    response_cache: ResponseCacheSettings = field(default_factory=ResponseCacheSettings)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, *, workdir: Path | None = None
) -> Settings:
    """Build settings; the process environment wins over `.env`."""
    workdir = workdir or Path.cwd()
    env = {**read_env_file(workdir / ".env"), **(os.environ if environ is None else environ)}

    environment = env.get("AIDBRIDGE_ENV", "development")
    if environment not in ("development", "production"):
        raise ConfigError("AIDBRIDGE_ENV", "must be 'development' or 'production'")

    database_url = env.get("DATABASE_URL") or f"sqlite:///{workdir / 'aidbridge.db'}"
    if not database_url.startswith(("sqlite:", "postgresql")):
        raise ConfigError("DATABASE_URL", "only sqlite:/// and postgresql+psycopg:// are supported")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if environment == "production":
            raise ConfigError("SECRET_KEY", "is required when AIDBRIDGE_ENV=production")
        secret_key = _local_secret(workdir)
    elif len(secret_key) < 32:
        raise ConfigError("SECRET_KEY", "must be at least 32 characters")

    port_text = env.get("AIDBRIDGE_PORT", "8000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("AIDBRIDGE_PORT", f"must be a TCP port number, got {port_text!r}")

    instance_path = Path(env.get("AIDBRIDGE_INSTANCE_FILE") or DEFAULT_INSTANCE_FILE)
    instance = load_instance(instance_path)
    instance = replace(
        instance,
        localisation=_localisation_from_env(instance.localisation, env, workdir),
    )
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        environment=environment,
        instance=instance,
        port=int(port_text),
        notifications=_notifications_from_env(env),
        media_url=_http_url(env, "AIDBRIDGE_MEDIA_URL", "https://media.example.org/media"),
        max_body_bytes=_max_body_bytes(env),
        introspection=_optional_flag(env, "AIDBRIDGE_INTROSPECTION"),
        persisted_operations=_persisted_mode(env),
        cors_origins=_cors_origins(env),
        **_operation_limits_from_env(env),
        campaign_close_interval=_campaign_close_interval(env),
        rate_limits=_rate_limits_from_env(env, database_url, environment),
        response_cache=_response_cache_from_env(env),
    )


def _whole(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    text = (env.get(name) or "").strip() or str(default)
    if not text.isdigit() or int(text) < minimum:
        raise ConfigError(name, f"must be a whole number, {minimum} or more, got {text!r}")
    return int(text)


def _seconds(
    env: Mapping[str, str], name: str, default: float, minimum: float, maximum: float
) -> float:
    text = (env.get(name) or "").strip()
    try:
        seconds = float(text) if text else default
    except ValueError:
        seconds = -1.0
    if not minimum <= seconds <= maximum:
        raise ConfigError(name, f"must be a number of seconds, {minimum:g} to {maximum:g}")
    return seconds


def _rate_limits_from_env(
    env: Mapping[str, str], database_url: str, environment: str
) -> RateLimitSettings:
    """AIDBRIDGE_RATE_LIMIT_*, AIDBRIDGE_REDIS_URL, AIDBRIDGE_TRUSTED_PROXIES, AIDBRIDGE_LOGIN_*
    and AIDBRIDGE_RESET_*. A per-process store cannot hold a budget across several
    workers, so production refuses it then instead of silently multiplying every limit."""
    defaults = RateLimitSettings()
    store = (env.get("AIDBRIDGE_RATE_LIMIT_STORE") or "auto").strip().lower()
    if store not in RATE_LIMIT_STORES:
        raise ConfigError("AIDBRIDGE_RATE_LIMIT_STORE", "must be auto, redis, database or memory")
    redis_url = (env.get("AIDBRIDGE_REDIS_URL") or "").strip() or None
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("AIDBRIDGE_REDIS_URL", "must be a redis:// or rediss:// address")
    if store == "auto":
        on_sqlite = database_url.startswith("sqlite")
        store = "redis" if redis_url else "memory" if on_sqlite else "database"
    if store == "redis" and redis_url is None:
        raise ConfigError(
            "AIDBRIDGE_REDIS_URL", "is required when AIDBRIDGE_RATE_LIMIT_STORE=redis"
        )
    workers = _whole(env, "WEB_CONCURRENCY", 1, minimum=1)
    if store == "memory" and workers > 1 and environment == "production":
        raise ConfigError(
            "AIDBRIDGE_RATE_LIMIT_STORE",
            f"the in-process store cannot share budgets between {workers} workers: set "
            "AIDBRIDGE_REDIS_URL, use PostgreSQL, or run one worker",
        )
    proxies_text = env.get("AIDBRIDGE_TRUSTED_PROXIES")
    proxies = (
        defaults.trusted_proxies
        if proxies_text is None
        else tuple(part.strip() for part in proxies_text.split(",") if part.strip())
    )
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                "AIDBRIDGE_TRUSTED_PROXIES", f"{proxy!r} is not an address or CIDR network"
            ) from None
    backoff = _seconds(env, "AIDBRIDGE_LOGIN_BACKOFF_SECONDS", defaults.backoff_seconds, 0, 3600)
    retry = _seconds(env, "AIDBRIDGE_STORE_RETRY_SECONDS", defaults.store_retry_seconds, 0.1, 300)
    return RateLimitSettings(
        store=store,
        redis_url=redis_url,
        points_per_hour=_whole(env, "AIDBRIDGE_RATE_LIMIT_POINTS", defaults.points_per_hour, 1),
        trusted_proxies=proxies,
        login_free_attempts=_whole(
            env, "AIDBRIDGE_LOGIN_FREE_ATTEMPTS", defaults.login_free_attempts
        ),
        login_max_failures=_whole(
            env, "AIDBRIDGE_LOGIN_MAX_FAILURES", defaults.login_max_failures, 1
        ),
        login_ip_free_attempts=_whole(
            env, "AIDBRIDGE_LOGIN_IP_FREE_ATTEMPTS", defaults.login_ip_free_attempts
        ),
        login_ip_max_failures=_whole(
            env, "AIDBRIDGE_LOGIN_IP_MAX_FAILURES", defaults.login_ip_max_failures, 1
        ),
        backoff_seconds=backoff,
        backoff_max_seconds=_whole(
            env, "AIDBRIDGE_LOGIN_BACKOFF_MAX_SECONDS", defaults.backoff_max_seconds
        ),
        reset_free_requests=_whole(
            env, "AIDBRIDGE_RESET_FREE_REQUESTS", defaults.reset_free_requests
        ),
        reset_max_requests=_whole(
            env, "AIDBRIDGE_RESET_MAX_REQUESTS", defaults.reset_max_requests, 1
        ),
        reset_ip_max_requests=_whole(
            env, "AIDBRIDGE_RESET_IP_MAX_REQUESTS", defaults.reset_ip_max_requests, 1
        ),
        workers=workers,
        store_retry_seconds=retry,
    )


def _response_cache_from_env(env: Mapping[str, str]) -> ResponseCacheSettings:
    """AIDBRIDGE_RESPONSE_CACHE (on by default), AIDBRIDGE_RESPONSE_CACHE_MAX_ENTRIES,
    AIDBRIDGE_RESPONSE_CACHE_MAX_BYTES, AIDBRIDGE_RESPONSE_CACHE_MAX_AGE (seconds) and
    AIDBRIDGE_HTTP_CACHE_MAX_AGE (seconds); entries go to AIDBRIDGE_REDIS_URL if set
    (checked with the rate limits)."""
    enabled = _optional_flag(env, "AIDBRIDGE_RESPONSE_CACHE")
    age_text = (env.get("AIDBRIDGE_RESPONSE_CACHE_MAX_AGE") or "").strip()
    try:
        max_age = float(age_text) if age_text else DEFAULT_RESPONSE_CACHE_MAX_AGE
    except ValueError:
        max_age = -1.0
    if not 0 < max_age <= 86400:
        raise ConfigError(
            "AIDBRIDGE_RESPONSE_CACHE_MAX_AGE",
            "must be a number of seconds, above 0, at most 86400",
        )
    http_max_age = _whole(env, "AIDBRIDGE_HTTP_CACHE_MAX_AGE", 0)
    if http_max_age > 86400:
        raise ConfigError("AIDBRIDGE_HTTP_CACHE_MAX_AGE", "must be at most 86400 seconds")
    return ResponseCacheSettings(
        enabled=enabled is not False,
        max_entries=_whole(
            env, "AIDBRIDGE_RESPONSE_CACHE_MAX_ENTRIES", DEFAULT_RESPONSE_CACHE_ENTRIES, 1
        ),
        max_bytes=_whole(
            env, "AIDBRIDGE_RESPONSE_CACHE_MAX_BYTES", DEFAULT_RESPONSE_CACHE_BYTES, 1
        ),
        max_age=max_age,
        http_max_age=http_max_age,
        redis_url=(env.get("AIDBRIDGE_REDIS_URL") or "").strip() or None,
    )


def _max_body_bytes(env: Mapping[str, str]) -> int:
    text = (env.get("AIDBRIDGE_MAX_BODY_BYTES") or str(DEFAULT_MAX_BODY_BYTES)).strip()
    if not text.isdigit() or not 1024 <= int(text) <= 64 * 1024 * 1024:
        raise ConfigError("AIDBRIDGE_MAX_BODY_BYTES", "must be a number of bytes, 1024 to 67108864")
    return int(text)


def _optional_flag(env: Mapping[str, str], name: str) -> bool | None:
    text = (env.get(name) or "").strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, "must be 1 or 0 (or leave it unset for the default)")


def _persisted_mode(env: Mapping[str, str]) -> str:
    mode = (env.get("AIDBRIDGE_PERSISTED_OPERATIONS") or "off").strip().lower()
    if mode not in PERSISTED_MODES:
        raise ConfigError("AIDBRIDGE_PERSISTED_OPERATIONS", "must be 'off', 'apq' or 'only'")
    return mode


_ORIGIN = re.compile(r"https?://[^\s/?#]+")


def _cors_origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """Comma-separated origins (scheme://host[:port]) allowed to call the API from a page."""
    origins = tuple(
        part.strip().rstrip("/") for part in (env.get("AIDBRIDGE_CORS_ORIGINS") or "").split(",")
    )
    origins = tuple(origin for origin in origins if origin)
    for origin in origins:
        if origin == "*" or not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                "AIDBRIDGE_CORS_ORIGINS",
                f"{origin!r} is not an origin such as https://aid.example.org",
            )
    return origins


def _operation_limits_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """AIDBRIDGE_MAX_QUERY_NODES (a whole number) and AIDBRIDGE_OPERATION_TIMEOUT (seconds)."""
    nodes_text = (env.get("AIDBRIDGE_MAX_QUERY_NODES") or str(DEFAULT_MAX_QUERY_NODES)).strip()
    if not nodes_text.isdigit() or int(nodes_text) < 1:
        raise ConfigError("AIDBRIDGE_MAX_QUERY_NODES", "must be a whole number, 1 or more")
    timeout_text = (env.get("AIDBRIDGE_OPERATION_TIMEOUT") or "").strip()
    try:
        timeout = float(timeout_text) if timeout_text else DEFAULT_OPERATION_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 3600:
        raise ConfigError(
            "AIDBRIDGE_OPERATION_TIMEOUT", "must be a number of seconds, above 0 and at most 3600"
        )
    return {"max_query_nodes": int(nodes_text), "operation_timeout": timeout}


def _campaign_close_interval(env: Mapping[str, str]) -> float:
    text = (env.get("AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL") or "").strip()
    try:
        seconds = float(text) if text else DEFAULT_CAMPAIGN_CLOSE_INTERVAL
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise ConfigError(
            "AIDBRIDGE_CAMPAIGN_CLOSE_INTERVAL",
            "must be a number of seconds from 0 (off) to 86400",
        )
    return seconds


_TRUE = ("1", "true", "yes", "on")
HTTP_URL = r"https?://[^\s/?#]+(/[^\s?#]*)?"


def _http_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    """An optional http(s) address setting, without a trailing slash."""
    value = (env.get(name) or "").strip().rstrip("/") or None
    if value is not None and not re.fullmatch(HTTP_URL, value):
        raise ConfigError(name, f"must be an http(s) address such as {example}")
    return value


def _notifications_from_env(env: Mapping[str, str]) -> NotificationSettings:
    """AIDBRIDGE_NOTIFIER, AIDBRIDGE_PUBLIC_URL and, for `smtp`, AIDBRIDGE_SMTP_*. Whether
    the notifier exists and suits production is checked at start-up
    (api.notifications.check_notifier), once plugins can be looked up."""
    notifier = (env.get("AIDBRIDGE_NOTIFIER") or "console").strip()
    public_url = _http_url(env, "AIDBRIDGE_PUBLIC_URL", "https://aid.example.org")
    allow_console = (env.get("AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER") or "").strip().lower() in _TRUE
    smtp = _smtp_from_env(env) if notifier == "smtp" else None
    return NotificationSettings(
        notifier=notifier, allow_console=allow_console, public_url=public_url, smtp=smtp
    )


def _smtp_from_env(env: Mapping[str, str]) -> SmtpSettings:
    host = (env.get("AIDBRIDGE_SMTP_HOST") or "").strip()
    if not host:
        raise ConfigError("AIDBRIDGE_SMTP_HOST", "is required when AIDBRIDGE_NOTIFIER=smtp")
    sender = (env.get("AIDBRIDGE_SMTP_FROM") or "").strip()
    if "@" not in sender:
        raise ConfigError(
            "AIDBRIDGE_SMTP_FROM",
            "must be the sender's address, e.g. Aidbridge <no-reply@example.org>",
        )
    security = (env.get("AIDBRIDGE_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_SECURITY_MODES:
        raise ConfigError("AIDBRIDGE_SMTP_SECURITY", "must be 'starttls', 'ssl' or 'none'")
    port_text = (env.get("AIDBRIDGE_SMTP_PORT") or str(SMTP_DEFAULT_PORTS[security])).strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("AIDBRIDGE_SMTP_PORT", "must be a TCP port number")
    username = (env.get("AIDBRIDGE_SMTP_USERNAME") or "").strip() or None
    password = env.get("AIDBRIDGE_SMTP_PASSWORD") or None
    if (username is None) != (password is None):
        raise ConfigError(
            "AIDBRIDGE_SMTP_USERNAME / AIDBRIDGE_SMTP_PASSWORD", "must be set together, or neither"
        )
    return SmtpSettings(
        host=host,
        port=int(port_text),
        sender=sender,
        security=security,
        username=username,
        password=password,
    )


def _localisation_from_env(
    config: LocalisationConfig, env: Mapping[str, str], workdir: Path
) -> LocalisationConfig:
    """`AIDBRIDGE_CATALOG_DIRS` (os.pathsep-separated) come before the instance file's
    directories; `AIDBRIDGE_LOCALIZER` replaces its provider."""
    extra = tuple(
        _resolve(Path(part), workdir)
        for part in env.get("AIDBRIDGE_CATALOG_DIRS", "").split(os.pathsep)
        if part.strip()
    )
    for directory in extra:
        if not directory.is_dir():
            raise ConfigError("AIDBRIDGE_CATALOG_DIRS", f"{directory} is not a directory")
    provider = env.get("AIDBRIDGE_LOCALIZER") or config.provider
    return LocalisationConfig(provider=provider, catalog_dirs=(*extra, *config.catalog_dirs))


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else (base / path).resolve()


def _local_secret(workdir: Path) -> str:
    """Generate once and keep a secret for development so tokens survive restarts."""
    path = workdir / SECRET_FILE_NAME
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return secret


def load_instance(path: Path) -> Instance:
    setting = "AIDBRIDGE_INSTANCE_FILE"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(setting, f"file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(setting, f"{path} is not valid TOML: {error}") from None
    return parse_instance(data, setting, base=path.resolve().parent)


def parse_instance(data: Mapping[str, Any], setting: str, *, base: Path | None = None) -> Instance:
    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{setting} [{key}]", problem)

    country = str(data.get("country", "ZZ"))
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise fail("country", "must be an ISO 3166-1 alpha-2 code such as KE")
    currency = str(data.get("default_currency", ""))
    if currency not in list_currencies():
        raise fail("default_currency", f"{currency!r} is not an ISO 4217 currency code")
    locales = tuple(str(code) for code in data.get("locales", ["en"]))
    for code in locales:
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            raise fail("locales", f"{code!r} is not a known locale") from None
    default_locale = str(data.get("default_locale", locales[0] if locales else "en"))
    if default_locale not in locales:
        raise fail("default_locale", f"{default_locale!r} is not one of locales")
    levels = tuple(str(level) for level in data.get("admin_levels", []))
    if not levels:
        raise fail("admin_levels", "must name at least one administrative level")
    public_level = data.get("public_region_level", len(levels))
    if not isinstance(public_level, int) or not 1 <= public_level <= len(levels):
        raise fail("public_region_level", f"must be between 1 and {len(levels)}")
    timezone = str(data.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            "timezone", f"{timezone!r} is not an IANA time zone such as Africa/Nairobi"
        ) from None
    grace = data.get("pledge_grace_days", 14)
    if not isinstance(grace, int) or grace < 0:
        raise fail("pledge_grace_days", "must be a whole number of days, 0 or more")
    currencies = data.get("currencies", [currency])
    if (
        not isinstance(currencies, list)
        or not all(isinstance(code, str) and code in list_currencies() for code in currencies)
        or currency not in currencies
    ):
        raise fail(
            "currencies", "must list ISO 4217 codes money may be given in, the default one too"
        )
    max_amount = data.get("max_amount_minor", DEFAULT_MAX_AMOUNT_MINOR)
    if not isinstance(max_amount, int) or not 1 <= max_amount <= 10**15:
        raise fail("max_amount_minor", "must be a whole number of minor units, 1 to 10^15")
    threshold = data.get("small_count_threshold", DEFAULT_SMALL_COUNT_THRESHOLD)
    if not isinstance(threshold, int) or threshold < 0:
        raise fail("small_count_threshold", "must be a whole number, 0 or more")
    suggested = data.get("suggested_amounts", {})
    if not isinstance(suggested, dict) or not all(
        code in currencies
        and isinstance(amounts, list)
        and 1 <= len(amounts) <= 8
        and all(isinstance(a, int) and 1 <= a <= max_amount for a in amounts)
        for code, amounts in suggested.items()
    ):
        raise fail(
            "suggested_amounts",
            "must map currencies of `currencies` to 1 to 8 amounts in minor units, "
            "each from 1 to max_amount_minor",
        )
    return Instance(
        country=country,
        name=str(data.get("name", "Aidbridge")),
        default_currency=currency,
        default_locale=default_locale,
        locales=locales,
        admin_levels=levels,
        public_region_level=public_level,
        pledge_grace_days=grace,
        poverty_causes=_taxonomy(data.get("poverty_causes"), "poverty_causes", fail),
        need_categories=_taxonomy(data.get("need_categories"), "need_categories", fail),
        timezone=timezone,
        localisation=_localisation(data.get("localisation", {}), base or Path.cwd(), fail),
        currencies=(currency, *(code for code in currencies if code != currency)),
        max_amount_minor=max_amount,
        small_count_threshold=threshold,
        suggested_amounts=tuple((code, tuple(amounts)) for code, amounts in suggested.items()),
    )


def _localisation(raw: Any, base: Path, fail: Any) -> LocalisationConfig:
    """`[localisation]`: `provider` names a localizer (default "gettext"); `catalog_dirs`,
    relative to the instance file, hold catalogs that add or override locales."""
    if not isinstance(raw, dict):
        raise fail("localisation", "must be a table")
    provider = raw.get("provider", DEFAULT_PROVIDER)
    if not isinstance(provider, str) or not provider:
        raise fail("localisation.provider", 'must name a localizer, e.g. "gettext"')
    dirs = raw.get("catalog_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(item, str) for item in dirs):
        raise fail("localisation.catalog_dirs", "must be a list of directory paths")
    resolved = tuple(_resolve(Path(item), base) for item in dirs)
    for directory in resolved:
        if not directory.is_dir():
            raise fail("localisation.catalog_dirs", f"{directory} is not a directory")
    return LocalisationConfig(provider=provider, catalog_dirs=resolved)


def _taxonomy(raw: Any, key: str, fail: Any) -> tuple[TaxonomyEntry, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail(key, "must list at least one entry with a code and labels")
    entries: list[TaxonomyEntry] = []
    seen: set[str] = set()
    for item in raw:
        code = str(item.get("code", "")) if isinstance(item, dict) else ""
        if not _CODE_PATTERN.fullmatch(code):
            raise fail(key, f"code {code!r} must be UPPER_SNAKE_CASE, at most 40 characters")
        if code in seen:
            raise fail(key, f"code {code} appears twice")
        seen.add(code)
        labels = item.get("label", {})
        if isinstance(labels, str):  # one English label, translated by the catalogs
            labels = {"en": labels}
        if not isinstance(labels, dict) or not labels.get("en"):
            raise fail(key, f"code {code} needs at least an English label (label.en)")
        entries.append(TaxonomyEntry(code=code, labels={str(k): str(v) for k, v in labels.items()}))
    return tuple(entries)
