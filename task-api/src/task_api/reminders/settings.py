"""The reminder scheduler's settings, read once from the environment."""

import os
import re
import socket
from dataclasses import dataclass
from datetime import timedelta

from taskwire_settings.env import SettingsError, optional, setting

SERVICE = "reminders"
_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}


@dataclass(frozen=True)
class ReminderSettings:
    database_url: str  # the task_reminders role: reads tasks, records reminders, writes the outbox
    window: timedelta  # REMINDER_WINDOW: how long before its due date a task is reminded of
    scan_interval: timedelta  # pause between scans once nothing more is owed
    batch_size: int  # tasks claimed (and events committed) per transaction, at most
    http_host: str
    http_port: int  # /healthz and /readyz
    instance: str  # names this process in logs; several instances share the work
    statsd_host: str
    statsd_port: int
    sentry_dsn: str | None

    @classmethod
    def from_env(cls) -> "ReminderSettings":
        batch_size = int(setting("REMINDER_BATCH_SIZE", "500"))
        if batch_size < 1:
            raise SettingsError("REMINDER_BATCH_SIZE must be at least 1")
        return cls(
            database_url=setting(
                "REMINDERS_DATABASE_URL",
                "postgresql+psycopg2://task_reminders:task-reminders-dev-only-password"
                "@127.0.0.1:5432/tasks",
            ),
            window=duration("REMINDER_WINDOW", setting("REMINDER_WINDOW", "24h")),
            scan_interval=duration(
                "REMINDER_SCAN_INTERVAL", setting("REMINDER_SCAN_INTERVAL", "30s")
            ),
            batch_size=batch_size,
            http_host=setting("REMINDERS_BIND_HOST", "127.0.0.1"),
            http_port=int(setting("REMINDERS_PORT", "8007")),
            instance=optional("REMINDERS_INSTANCE") or f"{socket.gethostname()}-{os.getpid()}",
            statsd_host=setting("STATSD_HOST", "127.0.0.1"),
            statsd_port=int(setting("STATSD_PORT", "9125")),
            sentry_dsn=optional("SENTRY_DSN"),
        )


def duration(name: str, value: str) -> timedelta:
    """`90s`, `15m` or `24h`; anything else stops the process at start."""
    match = _DURATION.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise SettingsError(f"{name} must be a positive duration such as 90s, 15m or 24h")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
