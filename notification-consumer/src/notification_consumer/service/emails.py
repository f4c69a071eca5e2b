"""The e-mail use case: send each owed e-mail at most once, retrying refusals with backoff.

The state an e-mail is in is committed before each step that cannot be undone: `sending` before
the message body goes to the SMTP server, `sent` right after the server accepted it. Only
`pending` e-mails are ever picked up, so a crash at any point yields no second copy; a crash in
the few milliseconds between handing the body over and recording `sent` leaves the e-mail
`sending`, which is reported as `uncertain` and never resent (at most once).
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from notification_consumer.db.deliveries import DueEmail
from notification_consumer.db.unit_of_work import UnitOfWork
from notification_consumer.domain.emails import RetryPolicy, email_for
from notification_consumer.domain.errors import (
    DeadLetterUnavailable,
    DeliveryOutcomeUnknown,
    DirectoryUnavailable,
    MailRejected,
    MailUnavailable,
    NoEmailAddress,
    PoisonMessage,
    StoreUnavailable,
)
from notification_consumer.domain.events import TaskEvent, parse_event
from notification_consumer.service.ports import DeadLetters, Directory, Mailer
from taskwire_events import Backoff

log = logging.getLogger(__name__)
DEAD_LETTER_RETRY = timedelta(seconds=5)
DEFAULT_POLICY = RetryPolicy()
SWEEP_EVERY_SECONDS = 30.0


class Dispatch(StrEnum):
    IDLE = "idle"  # nothing due
    SENT = "sent"
    SKIPPED = "skipped"  # nobody to send it to
    RETRY = "retry"  # refused for now; tried again later
    FAILED = "failed"  # given up and dead-lettered
    UNCERTAIN = "uncertain"  # the server may or may not have taken it


class EmailDispatcher:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        directory: Directory,
        mailer: Mailer,
        dead_letters: DeadLetters,
        sender: str,
        message_domain: str,
        console_url: str,
        policy: RetryPolicy = DEFAULT_POLICY,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._uow = unit_of_work
        self._directory = directory
        self._mailer = mailer
        self._dead_letters = dead_letters
        self._sender = sender
        self._domain = message_domain
        self._console_url = console_url
        self._policy = policy
        self._now = clock
        self._sleep = sleep

    def expire_stale(self, older_than: timedelta = timedelta(seconds=60)) -> int:
        """Report e-mails a dead process left `sending` as `uncertain` (never resent)."""
        now = self._now()
        with self._uow() as uow:
            expired = uow.deliveries.expire_sending(now - older_than, now)
            uow.commit()
        for event_id in expired:
            log.error(
                "e-mail outcome unknown: the process stopped while handing it over; not resent",
                extra={"event_id": str(event_id)},
            )
        return len(expired)

    def deliver_next(self) -> Dispatch:
        """Deliver the e-mail due first, if any."""
        now = self._now()
        with self._uow() as uow:
            due = uow.deliveries.claim_due(now)
            if due is None:
                return Dispatch.IDLE
            notification = due.notification
            if not uow.preferences.of(notification.owner_id).wants(notification.type):
                reason = f"the owner opted out of e-mails of {notification.type.value}"
                uow.deliveries.mark_skipped(notification.event_id, reason, now)
                uow.commit()
                _log(due, "e-mail skipped", level=logging.DEBUG, reason=reason)
                return Dispatch.SKIPPED
            try:
                recipient = self._directory.recipient_of(notification.owner_id)
            except NoEmailAddress as error:
                uow.deliveries.mark_skipped(notification.event_id, str(error), now)
                uow.commit()
                _log(due, "e-mail skipped", level=logging.DEBUG, reason=str(error))
                return Dispatch.SKIPPED
            except DirectoryUnavailable as error:
                return self._retry(uow, due, f"user directory: {error}", now)
            email = email_for(
                notification,
                _event_of(due),
                recipient,
                self._sender,
                self._domain,
                self._console_url,
            )
            try:
                transmission = self._mailer.prepare(email)
            except MailUnavailable as error:
                return self._retry(uow, due, f"SMTP: {error}", now)
            except MailRejected as error:
                return self._give_up(uow, due, f"SMTP refused: {error}", now)
            try:
                uow.deliveries.mark_sending(notification.event_id, recipient.address, now)
                uow.commit()
            except BaseException:
                transmission.abandon()
                raise
        # From here on the e-mail is `sending`: nothing will pick it up again.
        event_id = due.notification.event_id
        try:
            reply = transmission.complete()
        except (MailUnavailable, MailRejected) as error:
            # The server answered "no" to the body: it has definitely not taken the e-mail.
            with self._uow() as uow:
                if isinstance(error, MailRejected):
                    return self._give_up(uow, due, f"SMTP refused: {error}", self._now())
                return self._retry(uow, due, f"SMTP: {error}", self._now())
        except DeliveryOutcomeUnknown as error:
            reason = str(error)
            self._record(lambda uow, at: uow.deliveries.mark_uncertain(event_id, reason, at))
            _log(due, "e-mail outcome unknown; not resent", level=logging.ERROR, error=reason)
            return Dispatch.UNCERTAIN
        self._record(lambda uow, at: uow.deliveries.mark_sent(event_id, reply, at))
        _log(due, "e-mail sent", reply=reply)
        return Dispatch.SENT

    def _retry(self, uow: UnitOfWork, due: DueEmail, error: str, now: datetime) -> Dispatch:
        attempts = due.attempts + 1
        delay = self._policy.delay_after(attempts)
        if delay is None:
            return self._give_up(uow, due, f"gave up after {attempts} tries; last: {error}", now)
        uow.deliveries.retry_later(due.notification.event_id, attempts, error, now + delay, now)
        uow.commit()
        _log(
            due,
            "e-mail not sent; will retry",
            level=logging.WARNING,
            error=error,
            attempts=attempts,
            retry_in_s=delay.total_seconds(),
        )
        return Dispatch.RETRY

    def _give_up(self, uow: UnitOfWork, due: DueEmail, error: str, now: datetime) -> Dispatch:
        event_id = due.notification.event_id
        try:
            # Dead-letter first: an e-mail is never `failed` without its dead letter.
            self._dead_letters.publish(due.source, RuntimeError(error), stage="email")
        except DeadLetterUnavailable as unavailable:
            uow.deliveries.retry_later(
                event_id,
                due.attempts,
                f"{error} (dead-lettering failed: {unavailable})",
                now + DEAD_LETTER_RETRY,
                now,
            )
            uow.commit()
            return Dispatch.RETRY
        uow.deliveries.mark_failed(event_id, due.attempts + 1, error, now)
        uow.commit()
        _log(due, "e-mail given up and dead-lettered", level=logging.ERROR, error=error)
        return Dispatch.FAILED

    def _record(self, change: Callable[[UnitOfWork, datetime], None]) -> None:
        """Record the outcome of a handover, riding out a short database outage: until it is
        recorded, the e-mail stays `sending` and would be reported uncertain."""
        for pause in (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, None):
            try:
                with self._uow() as uow:
                    change(uow, self._now())
                    uow.commit()
                return
            except StoreUnavailable:
                if pause is None:
                    raise
                self._sleep(pause)


def dispatch_until_stopped(
    dispatcher: EmailDispatcher, wake: threading.Semaphore, stop: threading.Event
) -> None:
    """Send due e-mails; when one was refused for now, pause before the next (a refusal is
    usually the server's, not the e-mail's), doubling up to 10 s."""
    refused = Backoff.steady(0.5, 10.0)
    swept = float("-inf")
    while not stop.is_set():
        try:
            if time.monotonic() - swept > SWEEP_EVERY_SECONDS:
                dispatcher.expire_stale()
                swept = time.monotonic()
            result = dispatcher.deliver_next()
        except StoreUnavailable as error:
            log.warning("database unavailable; e-mails wait", extra={"error": str(error)})
            result = Dispatch.RETRY
        except Exception:
            log.exception("e-mail dispatch failed")
            result = Dispatch.RETRY
        if result is Dispatch.IDLE:
            wake.acquire(timeout=1.0)  # a stored event, or a look for retries that fell due
            refused.reset()
        elif result is Dispatch.RETRY:
            stop.wait(refused.next())
        else:
            refused.reset()


def _event_of(due: DueEmail) -> TaskEvent | None:
    """The event the notification was made from: what changed, and the due date."""
    try:
        return parse_event(due.source.value)
    except PoisonMessage:  # it parsed when it was stored; a record without it says less
        return None


def _log(due: DueEmail, message: str, level: int = logging.INFO, **fields: object) -> None:
    notification = due.notification
    extra: dict[str, object] = {
        "event_id": str(notification.event_id),
        "event_type": notification.type.value,
        **fields,
    }
    if notification.request_id:
        extra["request_id"] = notification.request_id  # follows the change into the log line
    log.log(level, message, extra=extra)
