"""The end state contract section 4 promises once a stream of task events has been handled:
each committed event notified exactly once, each owed e-mail sent at most once. Each check
polls until its deadline, then says which event ids are missing or doubled."""

import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from taskwire_testkit.mailbox import Mailbox
from taskwire_testkit.notification_store import NotificationStore

T = TypeVar("T")
UNSETTLED = {"pending", "sending"}  # an e-mail the worker has yet to decide on
HANDED_OVER = {"sent", "uncertain"}  # uncertain: handed over, outcome unknown, never resent


@dataclass(frozen=True)
class Emails:
    sent: set[str]
    uncertain: set[str]
    # False when the mail sink dropped old mails during the test (it keeps the newest 2,000):
    # then a mail recorded as sent cannot be looked for, only copies that are still there.
    arrivals_checked: bool

    def __str__(self) -> str:
        checked = "" if self.arrivals_checked else " (arrivals not checked: the sink overflowed)"
        return f"{len(self.sent)} e-mails sent, {len(self.uncertain)} uncertain{checked}"


def assert_every_event_notified_exactly_once(
    store: NotificationStore,
    committed: Collection[str],
    *,
    ambiguous: Collection[str] = (),
    owners: Collection[str] = (),
    timeout: float = 120,
) -> None:
    """Wait until each committed event id has its notification; then none may be missing, none
    doubled, and none of the `owners`' notifications may belong to an event that never
    committed (`ambiguous`: the commit raised, so the event may or may not exist)."""
    wanted = set(committed)
    counts = _polled(
        lambda: store.notification_counts(wanted), lambda found: wanted <= set(found), timeout
    )
    missing = wanted - set(counts)
    assert not missing, (
        f"{len(missing)} of {len(wanted)} committed events have no notification after "
        f"{timeout:.0f} s, e.g. {_some(missing)}"
    )
    if owners:
        counts |= store.notification_counts_of_owners(owners)
    doubled = {event_id: n for event_id, n in counts.items() if n > 1}
    assert not doubled, f"{len(doubled)} events have more than one notification: {doubled}"
    invented = set(counts) - wanted - set(ambiguous)
    assert not invented, (
        f"{len(invented)} notifications for events that never committed, e.g. {_some(invented)}"
    )


def assert_no_event_emailed_twice(
    store: NotificationStore,
    mailbox: Mailbox,
    owed: Collection[str],
    addresses: Collection[str],
    *,
    ambiguous: Collection[str] = (),
    timeout: float = 120,
) -> Emails:
    """Wait until every `owed` e-mail is settled and every one recorded as sent has reached
    the mail sink; then no event may have reached `addresses` twice, each owed e-mail must have
    been handed over (sent, or uncertain: never resent), and nothing may have arrived that is
    not on record as handed over. `ambiguous` events may or may not owe an e-mail."""
    owed = set(owed)
    looked_up = owed | set(ambiguous)
    statuses = _polled(
        lambda: store.delivery_statuses(looked_up),
        lambda found: owed <= set(found) and not UNSETTLED & set(found.values()),
        timeout,
    )
    unrecorded = owed - set(statuses)
    assert not unrecorded, (
        f"{len(unrecorded)} of {len(owed)} owed e-mails are not on record, e.g. {_some(unrecorded)}"
    )
    undecided = {e: s for e, s in statuses.items() if s in UNSETTLED}
    assert not undecided, f"{len(undecided)} e-mails still undecided after {timeout:.0f} s"
    not_handed_over = {e: s for e, s in statuses.items() if s not in HANDED_OVER}
    assert not not_handed_over, (
        f"{len(not_handed_over)} owed e-mails were never handed over: {not_handed_over}"
    )
    sent = {e for e, s in statuses.items() if s == "sent"}
    uncertain = {e for e, s in statuses.items() if s == "uncertain"}

    first_owed = store.first_email_owed_at(looked_up)
    seen: dict[str, str] = {}  # the sink's mail id -> event id: a copy dropped later counts

    def all_arrived_or_dropped() -> bool:
        for address in addresses:
            seen.update(mailbox.event_ids_by_mail(address))
        return sent <= set(seen.values()) or not _sink_kept_all(mailbox, first_owed)

    _polled(all_arrived_or_dropped, bool, timeout)
    copies = Counter(seen.values())
    doubled = {event_id: n for event_id, n in copies.items() if n > 1}
    assert not doubled, f"{len(doubled)} events were e-mailed more than once: {doubled}"
    stray = set(copies) - sent - uncertain
    assert not stray, (
        f"{len(stray)} e-mails reached the mail sink without a record of being sent, "
        f"e.g. {_some(stray)}"
    )
    lost = sent - set(copies)
    if lost and not _sink_kept_all(mailbox, first_owed):
        return Emails(sent, uncertain, arrivals_checked=False)
    assert not lost, (
        f"{len(lost)} e-mails recorded as sent never reached the mail sink, e.g. {_some(lost)}"
    )
    return Emails(sent, uncertain, arrivals_checked=True)


def _sink_kept_all(mailbox: Mailbox, since: datetime | None) -> bool:
    return since is None or mailbox.kept_everything_since(since)


def _polled(look: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """The first look that is done, or the last one once `timeout` seconds have passed (the
    caller's assertions then say what is still missing)."""
    deadline = time.monotonic() + timeout
    while True:
        found = look()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _some(ids: Collection[str]) -> list[str]:
    return sorted(ids)[:5]
