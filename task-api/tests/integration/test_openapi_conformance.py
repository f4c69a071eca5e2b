"""Schemathesis against task-api's OpenAPI document, through the gateway with real tokens: every
operation, checked for server errors and for status codes, content types and bodies the document
declares. No deviation is accepted: the run must report 0 failures. (`status` is limited to
10 repeats and declared so: unbounded, generated lists made request lines over gunicorn's
4 KiB limit, whose 414 page is HTML, not problem+json.)"""

import re
import subprocess
import sys
from pathlib import Path

from taskwire_testkit import Stack, Users
from taskwire_testkit.users import password_grant

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# Examples per operation and phase: enough for each phase to reach every parameter, small
# enough that the whole run stays around a minute on the shared CI machine.
MAX_EXAMPLES = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def run_schemathesis(stack: Stack, token: str, *selection: str) -> str:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{stack.gateway}/openapi.json",
        "--url",
        stack.gateway,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
        *selection,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=420, check=False)
    output = done.stdout + done.stderr
    print(output)  # the operation and test-case counts, shown by `pytest -s` and on failure
    assert done.returncode == 0, output
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert tested, output
    assert int(tested.group(1)) > 0, output
    assert cases, output
    assert cases.group(1) == cases.group(2), output
    assert "Authentication failed" not in output, output
    return output


def test_a_users_operations_conform_to_the_openapi_document(stack: Stack, users: Users) -> None:
    user = users.create("schemathesis")
    run_schemathesis(stack, user.token(stack), "--exclude-path-regex", "^/admin/")


def test_the_admin_operation_conforms_to_the_openapi_document(stack: Stack) -> None:
    token = password_grant(stack, "taskadmin", "taskadmin-password")["access_token"]
    run_schemathesis(stack, token, "--include-path-regex", "^/admin/")
