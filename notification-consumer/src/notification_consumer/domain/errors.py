"""What can go wrong while turning events into notifications and e-mails, in domain terms."""


class PoisonMessage(Exception):
    """The message is not a task event we understand; retrying cannot help."""


class InvalidCursor(Exception):
    """The cursor was not issued by us for this query."""


class StoreUnavailable(Exception):
    """The notifications database does not answer; the work must wait, not be dropped."""


class DeadLetterUnavailable(Exception):
    """The dead-letter topic did not acknowledge a message; its offset must not be committed."""


class DirectoryUnavailable(Exception):
    """The user directory (Keycloak) does not answer; the e-mail waits and is retried."""


class NoEmailAddress(Exception):
    """The owner has no deliverable address: unknown, disabled, or without an e-mail."""


class MailUnavailable(Exception):
    """The SMTP server refused for now (down, 4xx): the e-mail was not sent, retry later."""


class MailRejected(Exception):
    """The SMTP server refused for good (5xx): the e-mail was not sent, retrying cannot help."""


class DeliveryOutcomeUnknown(Exception):
    """The connection broke after the message body was handed over: it may have been accepted."""


class InvalidStreamPosition(Exception):
    """A `Last-Event-ID` that no notification stream ever sent."""


class TooManyStreams(Exception):
    """The caller, or this instance as a whole, holds as many notification streams as allowed."""
