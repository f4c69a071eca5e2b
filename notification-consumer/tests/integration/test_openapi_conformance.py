"""Schemathesis against the notifications OpenAPI document (taskwire_testkit.conformance), as a
real user. No deviation is accepted: the run must report 0 failures.

`/notifications/stream` is left out: it is a text/event-stream that stays open (a heartbeat
every 15 s) until the client leaves, so every generated request would wait out the request
timeout instead of getting an answer to check; its refusals (token, limits) and its events are
tested in test_notification_stream.py."""

from taskwire_testkit import Stack, Users
from taskwire_testkit.conformance import run_schemathesis


def test_the_notification_operations_conform_to_the_openapi_document(
    stack: Stack, users: Users
) -> None:
    user = users.create("schemathesis")
    run_schemathesis(
        stack,
        "/notifications/openapi.json",
        user.token(stack),
        "--exclude-path",
        "/notifications/stream",
    )
