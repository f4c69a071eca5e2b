"""Test support for integration tests against the real native stack (`make up`)."""

from taskwire_testkit.stack import Stack
from taskwire_testkit.users import User, Users

__all__ = ["Stack", "User", "Users"]
