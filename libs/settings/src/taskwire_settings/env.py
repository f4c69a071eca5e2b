"""Reading settings from the environment, refusing dev-default secrets outside development."""

import os

DEV_MARKER = "dev-only"


class SettingsError(RuntimeError):
    """A setting is missing or unsafe for the environment the service runs in."""


def environment() -> str:
    return os.environ.get("TASKWIRE_ENV", "development")


def setting(name: str, dev_default: str | None = None) -> str:
    """A required setting; the dev default applies only when TASKWIRE_ENV is development."""
    value = os.environ.get(name)
    if value:
        if environment() != "development" and DEV_MARKER in value:
            raise SettingsError(f"{name} still holds a dev-only default outside development")
        return value
    if dev_default is not None and environment() == "development":
        return dev_default
    raise SettingsError(f"{name} is not set")


def optional(name: str) -> str | None:
    return os.environ.get(name) or None
