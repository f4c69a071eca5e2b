"""Test support for integration tests against the real native stack (`make up`)."""

from taskwire_testkit.addresses import fresh_address, session_from
from taskwire_testkit.mailbox import Mailbox
from taskwire_testkit.notification_outcome import (
    Emails,
    assert_every_event_notified_exactly_once,
    assert_no_event_emailed_twice,
)
from taskwire_testkit.notification_store import NotificationStore
from taskwire_testkit.stack import Stack
from taskwire_testkit.supervisor import supervisorctl
from taskwire_testkit.users import User, Users, master_admin_grant

__all__ = [
    "Emails",
    "Mailbox",
    "NotificationStore",
    "Stack",
    "User",
    "Users",
    "assert_every_event_notified_exactly_once",
    "assert_no_event_emailed_twice",
    "fresh_address",
    "master_admin_grant",
    "session_from",
    "supervisorctl",
]
