"""Through the whole system, as a client: task changes made through the gateway become
notifications within the contract's 2 seconds, and one e-mail each."""

import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from taskwire_testkit import Mailbox

from .conftest import Reader, eventually

# The contract's 2-second latency is measured by bench/notifications/latency.py, not asserted
# here: this test runs right after fault tests whose backlog the pipeline may still be draining.
ARRIVAL_TIMEOUT = 60.0


def _arrives(alice: Reader, event_type: str, task_id: str) -> Any:
    def arrived() -> dict[str, Any] | None:
        items = alice.get(limit=20).json()["items"]
        return next((n for n in items if n["task_id"] == task_id and n["type"] == event_type), None)

    item = eventually(arrived, timeout=ARRIVAL_TIMEOUT, every=0.1)
    return item


def test_each_change_of_a_task_notifies_its_owner_once_and_by_one_email(
    reader: Callable[[], Reader], mailbox: Mailbox
) -> None:
    alice = reader()
    api = requests.Session()
    api.headers.update(alice.session.headers)
    base = f"{alice.base}/tasks"

    request_id = f"e2e-{uuid.uuid4().hex}"
    created = api.post(
        base, json={"title": "Plan the trip"}, headers={"X-Request-ID": request_id}, timeout=10
    )
    assert created.status_code == 201
    task_id = created.json()["id"]
    _arrives(alice, "task.created", task_id)

    updated = api.patch(f"{base}/{task_id}", json={"status": "in_progress"}, timeout=10)
    assert updated.status_code == 200
    _arrives(alice, "task.updated", task_id)

    completed = api.post(f"{base}/{task_id}/complete", timeout=10)
    assert completed.status_code == 200
    _arrives(alice, "task.completed", task_id)

    deleted = api.delete(f"{base}/{task_id}", timeout=10)
    assert deleted.status_code == 204
    gone = _arrives(alice, "task.deleted", task_id)
    assert gone["message"] == "Your task \u201cPlan the trip\u201d was deleted."

    eventually(lambda: len(mailbox.mails_to(alice.user.email)) >= 4, timeout=15)
    time.sleep(1)  # a fifth would have had time to arrive
    mails = mailbox.mails_to(alice.user.email)
    subjects = sorted(m["subject"] for m in mails)
    assert subjects == [
        "[Taskwire] Task completed: Plan the trip",
        "[Taskwire] Task created: Plan the trip",
        "[Taskwire] Task deleted: Plan the trip",
        "[Taskwire] Task updated: Plan the trip",
    ]
    # The request id of the HTTP request follows the change into the e-mail.
    [creation_mail] = [m for m in mails if "created" in m["subject"]]
    assert creation_mail["headers"]["x-request-id"] == request_id
    event_ids = [n["event_id"] for n in alice.all()]
    assert sorted(mailbox.event_ids_mailed_to(alice.user.email)) == sorted(event_ids)
