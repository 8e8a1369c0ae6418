"""A small SMTP server on a loopback socket, enough to receive what smtplib sends: EHLO,
STARTTLS or implicit TLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. Each message it receives is
kept, with the credentials it was sent with and whether the connection was encrypted.

The TLS certificate in data/ is self-signed for 127.0.0.1, made for these tests only
(`openssl req -x509 ... -days 36500`); its key protects nothing."""

from __future__ import annotations

import base64
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")
CERT_FILE = DATA / "smtp-test-cert.pem"
KEY_FILE = DATA / "smtp-test-key.pem"


def server_tls() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT_FILE, KEY_FILE)
    return context


def client_tls() -> ssl.SSLContext:
    """What the notifier must use to trust the test server (hostname still checked)."""
    return ssl.create_default_context(cafile=str(CERT_FILE))


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    raw: bytes
    login: tuple[str, str] | None
    encrypted: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]


class SmtpServer:
    def __init__(self, *, security: str = "none", credentials: tuple[str, str] | None = None):
        """`security`: "none", "starttls" (offered, and required before AUTH) or "ssl"."""
        self.security = security
        self.credentials = credentials
        self.inbox: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._session(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for_mail(self, count: int = 1, timeout: float = 15.0) -> list[ReceivedMail]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.inbox) >= count, timeout=timeout)
            assert len(self.inbox) >= count, f"expected {count} mail(s), got {len(self.inbox)}"
            return list(self.inbox)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- one client connection -------------------------------------------------------------

    def _session(self, plain: socket.socket) -> None:
        secured: list[socket.socket] = []
        try:
            self._converse(plain, secured)
        finally:
            for connection in secured:  # socketserver closes only the plain socket
                connection.close()

    def _converse(self, connection: socket.socket, secured: list[socket.socket]) -> None:
        tls = server_tls()
        encrypted = False
        if self.security == "ssl":
            connection = tls.wrap_socket(connection, server_side=True)
            secured.append(connection)
            encrypted = True
        reader: Any = connection.makefile("rb")

        def reply(*lines: str) -> None:
            connection.sendall("".join(line + "\r\n" for line in lines).encode())

        sender, recipients, login = "", [], None
        reply("220 127.0.0.1 test SMTP ready")
        while True:
            line = reader.readline()
            if not line:
                return
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                features = ["250-127.0.0.1"]
                if self.security == "starttls" and not encrypted:
                    features.append("250-STARTTLS")
                if self.credentials and (encrypted or self.security == "none"):
                    features.append("250-AUTH PLAIN")
                reply(*features, "250 8BITMIME")
            elif verb == "STARTTLS" and self.security == "starttls" and not encrypted:
                reply("220 go ahead")
                connection = tls.wrap_socket(connection, server_side=True)
                secured.append(connection)
                reader = connection.makefile("rb")
                encrypted = True
            elif verb == "AUTH" and self.credentials:
                encoded = command.split(" ")[2] if len(command.split(" ")) > 2 else ""
                if not encoded:
                    reply("334 ")
                    encoded = reader.readline().decode().strip()
                _, user, password = base64.b64decode(encoded).decode().split("\0")
                if (user, password) == self.credentials:
                    login = (user, password)
                    reply("235 2.7.0 Authentication successful")
                else:
                    reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if self.credentials and login is None:
                    reply("530 5.7.0 Authentication required")
                    continue
                sender = command.split(":", 1)[1].split()[0].strip("<>")
                reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                chunks: list[bytes] = []
                while True:
                    data_line = reader.readline()
                    if data_line in (b".\r\n", b""):
                        break
                    chunks.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                with self._arrived:
                    self.inbox.append(
                        ReceivedMail(sender, list(recipients), b"".join(chunks), login, encrypted)
                    )
                    self._arrived.notify_all()
                recipients = []
                reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 Bye")
                return
            else:
                reply("502 Command not implemented")
