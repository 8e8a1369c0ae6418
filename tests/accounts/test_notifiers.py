"""Notifiers: the built-in SMTP one against a real SMTP server on a loopback socket, the
console one, plugins by entry point, and the start-up checks of their settings."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from api.app import create_app
from api.core.settings import ConfigError, NotificationSettings, SmtpSettings, load_settings
from api.notifications import check_notifier, notifier_for
from api.notifications import smtp as smtp_module
from api.notifications.base import Notification
from api.notifications.console import ConsoleNotifier
from api.notifications.registry import wait_for_deliveries
from tests.accounts.conftest import reset_token_in
from tests.accounts.smtp_server import SmtpServer, client_tls
from tests.conftest import GraphQLClient, LiveServer

REQUEST = """
mutation($email: String!) {
  passwordResetRequest(input: {email: $email}) { accepted errors { code } }
}
"""
CONFIRM = """
mutation($token: String!) {
  passwordResetConfirm(input: {token: $token, newPassword: "chosen-from-the-mail"}) {
    reset errors { code }
  }
}
"""
SENDER = "Aidbridge <no-reply@aid.example.org>"
PUBLIC_URL = "https://aid.example.org"


def smtp_settings(settings, server: SmtpServer, security: str, login: bool):
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=server.port,
        sender=SENDER,
        security=security,
        username="mailer" if login else None,
        password="mailer-secret" if login else None,
    )
    notifications = NotificationSettings(notifier="smtp", public_url=PUBLIC_URL, smtp=smtp)
    return replace(settings, notifications=notifications)


@pytest.fixture
def trust_test_certificate(monkeypatch):
    """The notifier checks certificates against the system's store; the test server's
    self-signed one is added for this test."""
    monkeypatch.setattr(smtp_module, "tls_context", client_tls)


@pytest.mark.parametrize(
    ("security", "login"), [("none", False), ("none", True), ("starttls", True), ("ssl", True)]
)
def test_a_reset_link_arrives_by_smtp(
    backend, engine, settings, world, trust_test_certificate, security, login
):
    # Given an SMTP server and an instance configured to send through it
    mail_server = SmtpServer(
        security=security, credentials=("mailer", "mailer-secret") if login else None
    )
    server = LiveServer(create_app(smtp_settings(settings, mail_server, security, login), engine))
    client = GraphQLClient(server.url)
    try:
        # When a helper asks for a reset link
        answer = client.data(REQUEST, {"email": world.helper.email})

        # Then a mail reaches the account's address, with a working link to the frontend
        assert answer["passwordResetRequest"] == {"accepted": True, "errors": []}
        [mail] = mail_server.wait_for_mail()
        assert mail.recipients == [world.helper.email]
        assert mail.sender == "no-reply@aid.example.org"
        assert mail.encrypted == (security != "none")
        assert mail.login == (("mailer", "mailer-secret") if login else None)
        message = mail.message
        assert message["To"] == f"helper <{world.helper.email}>"
        assert message["From"] == SENDER
        assert message["Subject"] == "Reset your Aidbridge password"
        assert message["Content-Language"] == "en"
        assert message["Auto-Submitted"] == "auto-generated"
        assert f"{PUBLIC_URL}/password-reset#token=pr_" in mail.text
        token = reset_token_in(mail.text)
        confirmed = client.data(CONFIRM, {"token": token})["passwordResetConfirm"]
        assert confirmed == {"reset": True, "errors": []}
    finally:
        client.close()
        server.stop()
        mail_server.stop()


def test_smtp_mail_is_in_the_accounts_language(
    backend, engine, settings, world, trust_test_certificate
):
    mail_server = SmtpServer(security="starttls")
    server = LiveServer(create_app(smtp_settings(settings, mail_server, "starttls", False), engine))
    client = GraphQLClient(server.url)
    try:
        client.data(
            'mutation { accountUpdate(input: {locale: "zh_Hans"}) { errors { code } } }',
            token=world.rep.token,
        )
        client.data(REQUEST, {"email": world.rep.email})
        [mail] = mail_server.wait_for_mail()
        assert mail.message["Content-Language"] == "zh-Hans"
        assert mail.message["Subject"] == "重置您的 Aidbridge 密码"
    finally:
        client.close()
        server.stop()
        mail_server.stop()


def test_a_mail_server_that_is_down_changes_nothing_for_the_client(
    backend, engine, settings, world, caplog
):
    caplog.set_level(logging.ERROR, logger="aidbridge.notifications")
    mail_server = SmtpServer()
    mail_server.stop()  # nothing listens on its port any more
    server = LiveServer(create_app(smtp_settings(settings, mail_server, "none", False), engine))
    client = GraphQLClient(server.url)
    try:
        known = client.post(REQUEST, {"email": world.helper.email})
        unknown = client.post(REQUEST, {"email": "nobody@example.org"})
        assert wait_for_deliveries()
    finally:
        client.close()
        server.stop()
    assert known == unknown
    [failure] = [r for r in caplog.records if r.name == "aidbridge.notifications"]
    assert failure.getMessage() == "a password_reset notification could not be delivered"
    assert world.helper.email not in failure.getMessage()


def test_a_name_with_a_line_break_cannot_add_a_mail_header(tmp_path):
    settings = load_settings({**SMTP}, workdir=tmp_path)
    sneaky = replace(MESSAGE, recipient_name="Ada\r\nBcc: victim@example.org")

    mail = smtp_module.SmtpNotifier(settings).message(sneaky)

    assert mail["Bcc"] is None
    assert mail["To"] == '"Ada Bcc: victim@example.org" <ada@example.org>'


# --- The console notifier ------------------------------------------------------------------

MESSAGE = Notification(
    kind="password_reset",
    recipient="ada@example.org",
    recipient_name="Ada",
    locale="en",
    subject="Reset",
    body="Open https://aid.example.org/password-reset#token=pr_secret now.\n",
    links={"reset": "https://aid.example.org/password-reset#token=pr_secret"},
)


def test_the_console_notifier_logs_the_link_in_development(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="aidbridge.notifications")
    ConsoleNotifier(load_settings({}, workdir=tmp_path)).send(MESSAGE)
    assert "#token=pr_secret" in caplog.records[0].getMessage()


def test_the_console_notifier_withholds_links_in_production(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="aidbridge.notifications")
    settings = load_settings(
        {
            "AIDBRIDGE_ENV": "production",
            "SECRET_KEY": "p" * 40,
            "AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER": "true",
        },
        workdir=tmp_path,
    )
    check_notifier(settings)  # explicitly allowed

    ConsoleNotifier(settings).send(MESSAGE)

    logged = caplog.records[0].getMessage()
    assert "pr_secret" not in logged
    assert "Open [withheld] now." in logged


# --- Settings and start-up checks ----------------------------------------------------------

PRODUCTION = {"AIDBRIDGE_ENV": "production", "SECRET_KEY": "p" * 40}
SMTP = {
    "AIDBRIDGE_NOTIFIER": "smtp",
    "AIDBRIDGE_SMTP_HOST": "mail.example.org",
    "AIDBRIDGE_SMTP_FROM": SENDER,
}


def test_production_refuses_the_console_notifier_at_start_up(tmp_path):
    settings = load_settings(PRODUCTION, workdir=tmp_path)
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert refused.value.setting == "AIDBRIDGE_NOTIFIER"
    assert "AIDBRIDGE_ALLOW_CONSOLE_NOTIFIER" in refused.value.problem


def test_production_needs_the_public_url_for_links(tmp_path):
    settings = load_settings({**PRODUCTION, **SMTP}, workdir=tmp_path)
    with pytest.raises(ConfigError) as refused:
        check_notifier(settings)
    assert refused.value.setting == "AIDBRIDGE_PUBLIC_URL"

    complete = load_settings(
        {**PRODUCTION, **SMTP, "AIDBRIDGE_PUBLIC_URL": "https://aid.example.org/"},
        workdir=tmp_path,
    )
    check_notifier(complete)
    assert complete.notifications.public_url == "https://aid.example.org"


def test_production_refuses_an_smtp_password_sent_in_clear(tmp_path):
    settings = load_settings(
        {
            **PRODUCTION,
            **SMTP,
            "AIDBRIDGE_PUBLIC_URL": PUBLIC_URL,
            "AIDBRIDGE_SMTP_SECURITY": "none",
            "AIDBRIDGE_SMTP_USERNAME": "mailer",
            "AIDBRIDGE_SMTP_PASSWORD": "mailer-secret",
        },
        workdir=tmp_path,
    )
    with pytest.raises(ConfigError) as refused:
        check_notifier(settings)
    assert refused.value.setting == "AIDBRIDGE_SMTP_SECURITY"


def test_smtp_settings_are_read_with_port_defaults(tmp_path):
    starttls = load_settings({**SMTP}, workdir=tmp_path).notifications.smtp
    ssl = load_settings({**SMTP, "AIDBRIDGE_SMTP_SECURITY": "SSL"}, workdir=tmp_path)
    assert starttls == SmtpSettings(host="mail.example.org", port=587, sender=SENDER)
    assert ssl.notifications.smtp is not None
    assert (ssl.notifications.smtp.security, ssl.notifications.smtp.port) == ("ssl", 465)
    assert "mailer-secret" not in repr(
        load_settings(
            {**SMTP, "AIDBRIDGE_SMTP_USERNAME": "m", "AIDBRIDGE_SMTP_PASSWORD": "mailer-secret"},
            workdir=tmp_path,
        )
    )


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        ({"AIDBRIDGE_NOTIFIER": "smtp"}, "AIDBRIDGE_SMTP_HOST"),
        ({**SMTP, "AIDBRIDGE_SMTP_FROM": "nobody"}, "AIDBRIDGE_SMTP_FROM"),
        ({**SMTP, "AIDBRIDGE_SMTP_SECURITY": "tls13"}, "AIDBRIDGE_SMTP_SECURITY"),
        ({**SMTP, "AIDBRIDGE_SMTP_PORT": "smtp"}, "AIDBRIDGE_SMTP_PORT"),
        (
            {**SMTP, "AIDBRIDGE_SMTP_USERNAME": "mailer"},
            "AIDBRIDGE_SMTP_USERNAME / AIDBRIDGE_SMTP_PASSWORD",
        ),
        ({"AIDBRIDGE_PUBLIC_URL": "aid.example.org"}, "AIDBRIDGE_PUBLIC_URL"),
    ],
)
def test_an_invalid_notification_setting_is_named(tmp_path, environ, setting):
    with pytest.raises(ConfigError) as refused:
        load_settings(environ, workdir=tmp_path)
    assert refused.value.setting == setting


def test_an_unknown_notifier_stops_start_up_with_one_clear_message(tmp_path):
    settings = load_settings({"AIDBRIDGE_NOTIFIER": "carrier-pigeon"}, workdir=tmp_path)
    with pytest.raises(ConfigError, match="no notifier named 'carrier-pigeon'"):
        create_app(settings)


PLUGIN_MODULE = """
SENT = []


class MemoryNotifier:
    def __init__(self, settings):
        self.settings = settings

    def send(self, notification):
        SENT.append(notification)


def factory(settings):
    return MemoryNotifier(settings)
"""


def test_a_package_adds_a_notifier_through_an_entry_point(
    backend, engine, settings, world, tmp_path, monkeypatch
):
    # Given a package that registers a notifier under `aidbridge.notifiers`
    (tmp_path / "memory_notifier.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    dist_info = tmp_path / "memory_notifier-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: memory-notifier\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        "[aidbridge.notifiers]\nmemory = memory_notifier:factory\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    configured = replace(
        settings, notifications=NotificationSettings(notifier="memory", public_url=PUBLIC_URL)
    )
    server = LiveServer(create_app(configured, engine))
    client = GraphQLClient(server.url)
    import memory_notifier  # type: ignore[import-not-found]

    memory_notifier.SENT.clear()  # loaded once per process, by the first backend's run
    try:
        # When a reset link is asked for
        client.data(REQUEST, {"email": world.helper.email})
        assert wait_for_deliveries()
    finally:
        client.close()
        server.stop()

    # Then the plugin delivered it
    assert notifier_for(configured).__class__.__name__ == "MemoryNotifier"
    [sent] = memory_notifier.SENT
    assert sent.kind == "password_reset"
    assert sent.recipient == world.helper.email
    assert sent.links["reset"].startswith(f"{PUBLIC_URL}/password-reset#token=pr_")
