"""Schemathesis against one of the stack's OpenAPI documents, through the gateway with a real
token: every selected operation, checked for server errors and for the status codes, content
types and bodies the document declares. The run must report 0 failures."""

import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from taskwire_testkit.stack import Stack
from taskwire_testkit.users import Users

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# Examples per operation and phase: enough for each phase to reach every parameter, small
# enough that each run stays around a minute on the shared CI machine. (The CLI runs Hypothesis
# without a deadline: a slow answer on a loaded machine is never a failure.)
MAX_EXAMPLES = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


def run_schemathesis(
    stack: Stack, document: str, token: str, *selection: str, users: Users | None = None
) -> str:
    """Runs the CLI on `{gateway}{document}` with `selection` (its path filters); returns its
    output. `users`: accounts a generated sign-up creates are deleted with them."""
    with tempfile.NamedTemporaryFile("r", suffix=".ids", encoding="utf-8") as accounts:
        env = os.environ | {
            "SCHEMATHESIS_HOOKS": str(HOOKS),
            "TASKWIRE_SCHEMATHESIS_SOURCE": _fresh_loopback(),
            "TASKWIRE_SCHEMATHESIS_ACCOUNTS": accounts.name,
        }
        command = [
            str(SCHEMATHESIS),
            "run",
            f"{stack.gateway}{document}",
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
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=420, check=False, env=env
        )
        created = accounts.read().split()
    if users is not None:
        for account in created:
            users.adopt(account)
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
    assert users is not None or not created, f"accounts created and not deleted: {created}"
    return output


def _fresh_loopback() -> str:
    """An address of 127.0.0.0/8 (all of it is this machine) no other test uses."""
    return (
        f"127.{100 + secrets.randbelow(155)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"
    )
