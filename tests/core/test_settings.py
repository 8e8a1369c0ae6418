"""Settings: each invalid value stops start-up with a ConfigError that names it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from api.core.settings import DEFAULT_INSTANCE_FILE, ConfigError, load_settings

SECRET = "k" * 40


def load(tmp_path: Path, **environ: str):
    return load_settings({"SECRET_KEY": SECRET, **environ}, workdir=tmp_path)


def test_defaults_for_a_first_run(tmp_path):
    settings = load_settings({}, workdir=tmp_path)

    assert settings.environment == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'aidbridge.db'}"
    assert settings.port == 8000
    assert settings.instance.name == "Aidbridge"
    assert not settings.is_production


def test_development_keeps_one_generated_secret(tmp_path):
    first = load_settings({}, workdir=tmp_path).secret_key
    second = load_settings({}, workdir=tmp_path).secret_key

    assert first == second
    assert len(first) >= 32
    secret_file = tmp_path / ".aidbridge-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("AIDBRIDGE_ENV", "staging"),
        ("DATABASE_URL", "mysql://root@localhost/aidbridge"),
        ("SECRET_KEY", "too-short"),
        ("AIDBRIDGE_PORT", "http"),
        ("AIDBRIDGE_PORT", "0"),
        ("AIDBRIDGE_PORT", "65536"),
        ("AIDBRIDGE_INSTANCE_FILE", "/nonexistent/instance.toml"),
    ],
)
def test_an_invalid_setting_is_named(tmp_path, setting, value):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, **{setting: value})

    assert raised.value.setting == setting
    assert str(raised.value).startswith(f"Invalid configuration: {setting}: ")


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({"AIDBRIDGE_ENV": "production"}, workdir=tmp_path)

    assert raised.value.setting == "SECRET_KEY"
    assert not (tmp_path / ".aidbridge-secret").exists()


def test_production_with_a_secret_key(tmp_path):
    settings = load(tmp_path, AIDBRIDGE_ENV="production")
    assert settings.is_production
    assert settings.secret_key == SECRET


def test_plain_postgresql_urls_use_psycopg(tmp_path):
    settings = load(tmp_path, DATABASE_URL="postgresql://app@db:5432/aidbridge")
    assert settings.database_url == "postgresql+psycopg://app@db:5432/aidbridge"


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text(
        "# local settings\n"
        "AIDBRIDGE_PORT=9123\n"
        f"SECRET_KEY='{'d' * 40}'\n"
        'DATABASE_URL="sqlite:///from-dotenv.db"\n'
        "\n"
        "not a setting line\n",
        encoding="utf-8",
    )

    settings = load_settings({"DATABASE_URL": "sqlite:///from-environment.db"}, workdir=tmp_path)

    assert settings.port == 9123
    assert settings.secret_key == "d" * 40
    assert settings.database_url == "sqlite:///from-environment.db"


# The instance file: the template with one change each.

TEMPLATE = DEFAULT_INSTANCE_FILE.read_text(encoding="utf-8")


def with_instance(tmp_path: Path, old: str, new: str) -> dict[str, str]:
    assert old in TEMPLATE, f"the template no longer contains {old!r}"
    path = tmp_path / "instance.toml"
    path.write_text(TEMPLATE.replace(old, new, 1), encoding="utf-8")
    return {"AIDBRIDGE_INSTANCE_FILE": str(path)}


def test_a_copy_of_the_template_loads(tmp_path):
    settings = load(tmp_path, **with_instance(tmp_path, 'name = "Aidbridge"', 'name = "Kenya"'))
    assert settings.instance.name == "Kenya"
    assert settings.instance.default_currency == "USD"
    assert settings.instance.currencies == ("USD",)
    assert settings.instance.max_amount_minor == 10**12
    assert settings.instance.small_count_threshold == 5


def test_more_currencies_keep_the_default_first(tmp_path):
    settings = load(
        tmp_path, **with_instance(tmp_path, 'currencies = ["USD"]', 'currencies = ["EUR", "USD"]')
    )
    assert settings.instance.currencies == ("USD", "EUR")


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('default_currency = "USD"', 'default_currency = "XYZ"', "default_currency", "ISO 4217"),
        ('locales = ["en", ', 'locales = ["en", "xx", ', "locales", "'xx' is not a known locale"),
        ('default_locale = "en"', 'default_locale = "de"', "default_locale", "not one of"),
        ('country = "ZZ"', 'country = "Kenya"', "country", "ISO 3166-1"),
        ('code = "ILLNESS"', 'code = "illness"', "poverty_causes", "UPPER_SNAKE_CASE"),
        ('code = "DISABILITY"', 'code = "ILLNESS"', "poverty_causes", "ILLNESS appears twice"),
        ("public_region_level = 3", "public_region_level = 9", "public_region_level", "between"),
        ("pledge_grace_days = 14", "pledge_grace_days = -1", "pledge_grace_days", "0 or more"),
        ('timezone = "UTC"', 'timezone = "Mars/Olympus"', "timezone", "IANA time zone"),
        (
            "catalog_dirs = []",
            'catalog_dirs = ["no-such-dir"]',
            "localisation.catalog_dirs",
            "is not a directory",
        ),
        ('provider = "gettext"', "provider = 3", "localisation.provider", "must name"),
        ('currencies = ["USD"]', 'currencies = ["EUR"]', "currencies", "the default one too"),
        ('currencies = ["USD"]', 'currencies = ["USD", "EURO"]', "currencies", "ISO 4217"),
        (
            "max_amount_minor = 1_000_000_000_000",
            "max_amount_minor = 0",
            "max_amount_minor",
            "1 to",
        ),
        (
            "small_count_threshold = 5",
            "small_count_threshold = -1",
            "small_count_threshold",
            "0 or",
        ),
        (
            "suggested_amounts = { USD = [1000, 2500, 5000, 10000] }",
            "suggested_amounts = { EUR = [1000] }",
            "suggested_amounts",
            "currencies of `currencies`",
        ),
        (
            "suggested_amounts = { USD = [1000, 2500, 5000, 10000] }",
            "suggested_amounts = { USD = [0] }",
            "suggested_amounts",
            "minor units",
        ),
    ],
    ids=[
        "bad-currency",
        "unknown-locale",
        "default-locale-not-offered",
        "bad-country",
        "bad-taxonomy-code",
        "duplicate-taxonomy-code",
        "public-level-too-deep",
        "negative-grace",
        "unknown-time-zone",
        "missing-catalog-dir",
        "bad-localizer-name",
        "currencies-without-the-default",
        "unknown-currency",
        "no-maximum",
        "negative-threshold",
        "suggestions-in-another-currency",
        "suggestion-of-nothing",
    ],
)
def test_an_invalid_instance_file_names_the_key(tmp_path, old, new, key, problem):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, **with_instance(tmp_path, old, new))

    assert raised.value.setting == f"AIDBRIDGE_INSTANCE_FILE [{key}]"
    assert problem in raised.value.problem


def test_an_instance_file_that_is_not_toml(tmp_path):
    path = tmp_path / "instance.toml"
    path.write_text("name = ", encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load(tmp_path, AIDBRIDGE_INSTANCE_FILE=str(path))

    assert raised.value.setting == "AIDBRIDGE_INSTANCE_FILE"
    assert "not valid TOML" in raised.value.problem


def test_catalog_directories_resolve_against_the_instance_file_and_the_environment(tmp_path):
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "more").mkdir()
    env = with_instance(tmp_path, "catalog_dirs = []", 'catalog_dirs = ["catalogs"]')
    settings = load(
        tmp_path, **env, AIDBRIDGE_CATALOG_DIRS=str(tmp_path / "more"), AIDBRIDGE_LOCALIZER="x"
    )
    config = settings.instance.localisation
    assert config.catalog_dirs == (tmp_path / "more", tmp_path / "catalogs")
    assert config.provider == "x"


def test_a_missing_catalog_directory_in_the_environment_is_named(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, AIDBRIDGE_CATALOG_DIRS=str(tmp_path / "nowhere"))
    assert raised.value.setting == "AIDBRIDGE_CATALOG_DIRS"
