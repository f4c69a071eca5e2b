"""Schemathesis against task-api's OpenAPI document (taskwire_testkit.conformance). No deviation
is accepted: the run must report 0 failures. (`status` is limited to 10 repeats and declared so:
unbounded, generated lists made request lines over gunicorn's 4 KiB limit, whose 414 page is
HTML, not problem+json.)"""

from taskwire_testkit import Stack, Users
from taskwire_testkit.conformance import run_schemathesis
from taskwire_testkit.users import password_grant


def test_a_users_operations_conform_to_the_openapi_document(stack: Stack, users: Users) -> None:
    user = users.create("schemathesis")
    run_schemathesis(stack, "/openapi.json", user.token(stack), "--exclude-path-regex", "^/admin/")


def test_the_admin_operation_conforms_to_the_openapi_document(stack: Stack) -> None:
    token = password_grant(stack, "taskadmin", "taskadmin-password")["access_token"]
    run_schemathesis(stack, "/openapi.json", token, "--include-path-regex", "^/admin/")
