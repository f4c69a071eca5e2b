"""SMTP: the message as multipart/alternative (text, then HTML), one reused connection, and a
send split at the point of no return.

`prepare` runs MAIL, RCPT and DATA; the server then waits for the body. Until the body's final
dot is sent, dropping the connection delivers nothing, so the use case can record that it is
about to hand the body over first. Only a failure after that is of unknown outcome.
"""

import contextlib
import re
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr

from notification_consumer.domain.emails import Email
from notification_consumer.domain.errors import (
    DeliveryOutcomeUnknown,
    MailRejected,
    MailUnavailable,
)

_LEADING_DOT = re.compile(rb"(?m)^\.")


class SmtpMailer:
    """Not thread-safe: one dispatcher thread owns it."""

    def __init__(self, host: str, port: int, timeout_seconds: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout_seconds
        self._smtp: smtplib.SMTP | None = None

    def prepare(self, mail: Email) -> "SmtpTransmission":
        body = wire_format(mail)
        sender = parseaddr(mail.sender)[1]
        for reconnect in (False, True):
            try:
                smtp = self._connection(fresh=reconnect)
                _expect(smtp.mail(sender), smtp, 250)
                _expect(smtp.rcpt(mail.recipient), smtp, 250, 251)
                _expect(smtp.docmd("DATA"), smtp, 354)
                return SmtpTransmission(self, smtp, body)
            except OSError as error:  # smtplib's errors are OSErrors too
                self.close()
                if reconnect:
                    raise MailUnavailable(_describe(error)) from error
                # A reused connection may have been closed by the server: one fresh try.
        raise AssertionError("unreachable")

    def check(self) -> None:
        """Readiness: the server answers a greeting and a NOOP (on a connection of its own)."""
        with smtplib.SMTP(self._host, self._port, timeout=2) as smtp:
            code, reply = smtp.noop()
            if code != 250:
                raise MailUnavailable(f"{code} {reply!r}")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def _connection(self, fresh: bool) -> smtplib.SMTP:
        if fresh:
            self.close()
        if self._smtp is None:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            smtp.ehlo_or_helo_if_needed()
            self._smtp = smtp
        return self._smtp


class SmtpTransmission:
    def __init__(self, mailer: SmtpMailer, smtp: smtplib.SMTP, body: bytes) -> None:
        self._mailer = mailer
        self._smtp = smtp
        self._body = body

    def complete(self) -> str:
        try:
            self._smtp.send(self._body)
            code, reply = self._smtp.getreply()
        except OSError as error:
            self._mailer.close()
            raise DeliveryOutcomeUnknown(_describe(error)) from error
        text = f"{code} {reply.decode(errors='replace')}"
        if code == 250:
            return text
        self._mailer.close()  # the server's state after a refused body is not worth trusting
        if 400 <= code < 500:
            raise MailUnavailable(text)
        raise MailRejected(text)

    def abandon(self) -> None:
        self._mailer.close()  # a DATA without its final dot is discarded by the server


def wire_format(mail: Email) -> bytes:
    """The message as DATA carries it: CRLF lines, leading dots doubled, the final dot."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = Address(display_name=mail.recipient_name, addr_spec=mail.recipient)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    data = _LEADING_DOT.sub(b"..", message.as_bytes(policy=SMTP_POLICY))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _expect(answer: tuple[int, bytes], smtp: smtplib.SMTP, *accepted: int) -> None:
    code, reply = answer
    if code in accepted:
        return
    text = f"{code} {reply.decode(errors='replace')}"
    with contextlib.suppress(OSError):
        smtp.rset()
    if 400 <= code < 500 or code < 200:  # smtplib reports a lost connection as -1
        raise MailUnavailable(text)
    raise MailRejected(text)


def _describe(error: OSError) -> str:
    return f"{type(error).__name__}: {error}"
