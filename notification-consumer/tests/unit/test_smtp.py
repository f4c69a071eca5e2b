"""The SMTP adapter against a scripted SMTP server on a local socket: what the server says at
each step decides between sent, refused for now, refused for good and unknown."""

import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from notification_consumer.adapters.smtp import SmtpMailer
from notification_consumer.domain.emails import Email
from notification_consumer.domain.errors import (
    DeliveryOutcomeUnknown,
    MailRejected,
    MailUnavailable,
)

MAIL = Email(
    sender="Taskwire <notifications@taskwire.example>",
    recipient="alice@example.test",
    recipient_name="Alice Liddell",
    subject="[Taskwire] Task created: Pay rent",
    text="Your task was created.\n",
    html="<p>Your task was created.</p>\n",
    message_id="<e1@notifications.taskwire.example>",
    headers=(("X-Taskwire-Event-Id", "e1"),),
)


@dataclass
class Script:
    """What the server answers; `after_body` None means it hangs up instead of answering."""

    rcpt: str = "250 OK"
    after_body: str | None = "250 OK: queued"
    delivered: list[bytes] = field(default_factory=list)
    sessions: int = 0
    port: int = 0


class ScriptedSmtp(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        script: Script = self.server.script  # type: ignore[attr-defined]
        script.sessions += 1
        self.say("220 scripted ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].split(":")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.say("250 scripted")
            elif verb == "RCPT":
                self.say(script.rcpt)
            elif verb == "DATA":
                self.say("354 go ahead")
                body = b""
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    body += chunk
                if not chunk:
                    return  # the client hung up before the final dot: nothing delivered
                if script.after_body is None:
                    return  # hang up without answering
                if script.after_body.startswith("250"):
                    script.delivered.append(body)
                self.say(script.after_body)
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 OK")

    def say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def script() -> Iterator[Script]:
    """The scripted server's behaviour; its port is `script.port`."""
    script = Script()
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ScriptedSmtp)
    smtp.daemon_threads = True
    smtp.script = script  # type: ignore[attr-defined]
    script.port = smtp.server_address[1]
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    yield script
    smtp.shutdown()
    smtp.server_close()


@pytest.fixture
def mailer(script: Script) -> Iterator[SmtpMailer]:
    made = SmtpMailer("127.0.0.1", script.port, timeout_seconds=2)
    yield made
    made.close()


def test_an_accepted_email_is_delivered_once_over_a_reused_connection(
    script: Script, mailer: SmtpMailer
) -> None:
    assert mailer.prepare(MAIL).complete().startswith("250")
    assert mailer.prepare(MAIL).complete().startswith("250")
    assert len(script.delivered) == 2
    assert script.sessions == 1
    assert b"X-Taskwire-Event-Id: e1" in script.delivered[0]


def test_a_mailbox_refused_for_good_is_rejected(script: Script, mailer: SmtpMailer) -> None:
    script.rcpt = "550 no such mailbox"
    with pytest.raises(MailRejected, match="550"):
        mailer.prepare(MAIL)


def test_a_mailbox_refused_for_now_is_unavailable(script: Script, mailer: SmtpMailer) -> None:
    script.rcpt = "451 greylisted, try again"
    with pytest.raises(MailUnavailable, match="451"):
        mailer.prepare(MAIL)


def test_a_server_that_is_not_there_is_unavailable() -> None:
    with pytest.raises(MailUnavailable):
        SmtpMailer("127.0.0.1", 1, timeout_seconds=2).prepare(MAIL)


def test_an_abandoned_transmission_delivers_nothing(script: Script, mailer: SmtpMailer) -> None:
    mailer.prepare(MAIL).abandon()
    assert script.delivered == []


def test_a_hang_up_after_the_body_is_an_unknown_outcome(script: Script, mailer: SmtpMailer) -> None:
    script.after_body = None
    transmission = mailer.prepare(MAIL)
    with pytest.raises(DeliveryOutcomeUnknown):
        transmission.complete()


def test_a_body_refused_for_now_is_unavailable_not_unknown(
    script: Script, mailer: SmtpMailer
) -> None:
    script.after_body = "452 insufficient storage"
    transmission = mailer.prepare(MAIL)
    with pytest.raises(MailUnavailable, match="452"):
        transmission.complete()
    assert script.delivered == []
