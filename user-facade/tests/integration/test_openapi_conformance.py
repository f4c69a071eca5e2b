"""Schemathesis against the identity OpenAPI document (taskwire_testkit.conformance). No
deviation is accepted: the run must report 0 failures.

- Sign-up: generated bodies the realm accepts create real accounts; the run records each one's
  id and the `users` fixture deletes them. Its requests come from a loopback address of their own,
  so the per-address sign-up and login limits it reaches (429, declared) touch no other test.
- Logout and refresh: generated refresh tokens are never valid ones (401, declared); logout runs
  with a token of its own anyway, so that nothing it does can end another run's session.
- `/auth/me` is called with a real user's access token."""

from taskwire_testkit import Stack, Users
from taskwire_testkit.conformance import run_schemathesis

DOCUMENT = "/auth/openapi.json"


def test_the_identity_operations_conform_to_the_openapi_document(
    stack: Stack, users: Users
) -> None:
    user = users.create("schemathesis")
    run_schemathesis(
        stack,
        DOCUMENT,
        user.token(stack),
        "--exclude-path",
        "/auth/logout",
        users=users,
    )


def test_logout_conforms_to_the_openapi_document(stack: Stack, users: Users) -> None:
    user = users.create("schemathesis-logout")
    run_schemathesis(stack, DOCUMENT, user.token(stack), "--include-path", "/auth/logout")
