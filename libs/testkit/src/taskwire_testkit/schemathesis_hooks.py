"""Loaded by the Schemathesis CLI (`SCHEMATHESIS_HOOKS`) in the conformance runs, in its own
process: it sends every request from the loopback address `TASKWIRE_SCHEMATHESIS_SOURCE` (the
facade's per-address login and sign-up limits then never touch other tests), and appends the id
of every account a generated sign-up created to `TASKWIRE_SCHEMATHESIS_ACCOUNTS`, one a line, for
the test to delete."""

import json
import os
from typing import Any

import schemathesis
from requests.adapters import HTTPAdapter

SOURCE = os.environ.get("TASKWIRE_SCHEMATHESIS_SOURCE")
ACCOUNTS = os.environ.get("TASKWIRE_SCHEMATHESIS_ACCOUNTS")

if SOURCE:
    _init_poolmanager = HTTPAdapter.init_poolmanager

    def _from_source(self: HTTPAdapter, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (SOURCE, 0)
        _init_poolmanager(self, *args, **kwargs)

    HTTPAdapter.init_poolmanager = _from_source  # type: ignore[method-assign]


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if not ACCOUNTS or response.status_code != 201 or not case.path.endswith("/signup"):
        return
    account = json.loads(response.content)
    with open(ACCOUNTS, "a", encoding="utf-8") as ids:
        ids.write(f"{account['id']}\n")
