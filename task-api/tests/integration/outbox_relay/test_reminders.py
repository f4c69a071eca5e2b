"""Reminders on the real stack: a scheduler with a 60 s window and a 1 s scan interval writes
task.due_soon through the outbox; the relay, Kafka and the notification worker turn it into a
notification and an e-mail at the mail sink."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2

from taskwire_testkit import Mailbox, NotificationStore

from .reminder_scheduler import INSTANCE, WINDOW_SECONDS, ShortWindowScheduler, TaskDatabase
from .stack_control import wait_for

ARRIVAL = 120  # seconds an event may take from the outbox to the notification, on a busy machine
# `caller` (../conftest.py) makes a Caller: a new user and their session through the gateway.


def due_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def reminders_of(store: NotificationStore, task_ids: list[str]) -> dict[str, list[str]]:
    """The task.due_soon notifications' event ids, per task."""
    rows = store.query(
        "SELECT task_id::text, event_id::text FROM notifications"
        " WHERE type = 'task.due_soon' AND task_id = ANY(%s::uuid[]) ORDER BY created_at",
        task_ids,
    )
    found: dict[str, list[str]] = {}
    for task_id, event_id in rows:
        found.setdefault(task_id, []).append(event_id)
    return found


def wait_for_reminders(
    store: NotificationStore, task_ids: list[str], each: int = 1
) -> dict[str, list[str]]:
    def arrived() -> dict[str, list[str]] | None:
        found = reminders_of(store, task_ids)
        complete = all(len(found.get(t, [])) >= each for t in task_ids)
        return found if complete else None

    return wait_for("the reminders' notifications", arrived, WINDOW_SECONDS + ARRIVAL, every=0.5)


def wait_for_mails(mailbox: Mailbox, address: str, event_ids: list[str]) -> list[str]:
    def mailed() -> list[str] | None:
        ids = mailbox.event_ids_mailed_to(address)
        return ids if set(event_ids) <= set(ids) else None

    return wait_for("the reminders' e-mails", mailed, ARRIVAL, every=0.5)


def test_a_task_due_in_a_few_minutes_gets_exactly_one_reminder(
    scheduler: ShortWindowScheduler,
    caller: Callable[[], Any],
    notification_store: NotificationStore,
    mailbox: Mailbox,
) -> None:
    alice = caller()
    due = due_in(WINDOW_SECONDS + 60)  # reminded once it is 60 s away, a minute from now
    task = alice.create(title="Send the invoice", due_date=due)
    scheduler.wait_for_scans(2)
    if datetime.fromisoformat(due) - datetime.now(UTC) > timedelta(seconds=WINDOW_SECONDS + 1):
        assert reminders_of(notification_store, [task["id"]]) == {}, "reminded before the window"

    [event_id] = wait_for_reminders(notification_store, [task["id"]])[task["id"]]
    mailed = wait_for_mails(mailbox, alice.user.email, [event_id])
    # More scans find nothing more owed: still one notification and one e-mail.
    scheduler.wait_for_scans(3)
    assert reminders_of(notification_store, [task["id"]]) == {task["id"]: [event_id]}
    mailed = mailbox.event_ids_mailed_to(alice.user.email)
    assert mailed.count(event_id) == 1
    [mail] = [
        m
        for m in mailbox.mails_to(alice.user.email)
        if m["headers"].get("x-taskwire-event-id") == event_id
    ]
    assert mail["subject"] == "[Taskwire] Task due soon: Send the invoice"
    notification = next(
        n
        for n in alice.request("GET", "/notifications").json()["items"]
        if n["event_id"] == event_id
    )
    assert notification["type"] == "task.due_soon"
    assert notification["message"].startswith("Your task \u201cSend the invoice\u201d is due ")


def test_moving_the_due_date_rearms_the_reminder(
    scheduler: ShortWindowScheduler,
    caller: Callable[[], Any],
    notification_store: NotificationStore,
) -> None:
    alice = caller()
    task = alice.create(title="Book the room", due_date=due_in(30))  # within the window at once
    [first] = wait_for_reminders(notification_store, [task["id"]])[task["id"]]

    moved = alice.request("PATCH", f"/tasks/{task['id']}", json={"due_date": due_in(45)})
    assert moved.status_code == 200, moved.text
    found = wait_for_reminders(notification_store, [task["id"]], each=2)[task["id"]]
    assert found[0] == first
    assert len(found) == 2
    # A change that keeps the due date re-arms nothing.
    renamed = alice.request("PATCH", f"/tasks/{task['id']}", json={"title": "Book the big room"})
    assert renamed.status_code == 200, renamed.text
    scheduler.wait_for_scans(3)
    assert len(reminders_of(notification_store, [task["id"]])[task["id"]]) == 2


def test_completing_or_deleting_a_task_before_its_window_cancels_its_reminder(
    scheduler: ShortWindowScheduler,
    caller: Callable[[], Any],
    notification_store: NotificationStore,
) -> None:
    alice = caller()
    due = due_in(WINDOW_SECONDS + 20)  # all three come into the window together
    done = alice.create(title="Finished early", due_date=due)
    gone = alice.create(title="Not needed", due_date=due)
    control = alice.create(title="Still to do", due_date=due)
    completed = alice.request("POST", f"/tasks/{done['id']}/complete")
    assert completed.status_code == 200, completed.text
    deleted = alice.request("DELETE", f"/tasks/{gone['id']}")
    assert deleted.status_code == 204, deleted.text

    # The control's reminder proves the scans have passed the three tasks' window.
    wait_for_reminders(notification_store, [control["id"]])
    scheduler.wait_for_scans(2)
    assert reminders_of(notification_store, [done["id"], gone["id"]]) == {}


def test_the_scheduler_sigkilled_mid_batch_loses_and_doubles_nothing(
    scheduler: ShortWindowScheduler,
    caller: Callable[[], Any],
    notification_store: NotificationStore,
    mailbox: Mailbox,
    tasks_db: TaskDatabase,
) -> None:
    alice = caller()
    # Reminded before the crash, in committed batches of 3.
    scheduler.stop()
    scheduler.start(batch_size=3)
    before = [alice.create(title=f"Before {n}", due_date=due_in(10 + n))["id"] for n in range(7)]
    wait_for_reminders(notification_store, before)

    # Owed while the scheduler is away; it comes back to find them, and the test holds the
    # outbox so that its first batch, rows claimed and locked, hangs writing its first event.
    scheduler.stop()
    owed = [alice.create(title=f"Owed {n}", due_date=due_in(10 + n))["id"] for n in range(8)]
    holder = psycopg2.connect(tasks_db.dsn)
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE")
        scheduler.start(batch_size=3, ready=False)

        def waiting_mid_batch() -> int | None:
            rows = tasks_db.query(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO outbox%%'",
                f"reminders-{INSTANCE}",
            )
            return rows[0][0] if rows else None

        backend = wait_for("the scheduler blocked inside a batch", waiting_mid_batch, 60)
        locked = tasks_db.query(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'transactionid'"
            " AND granted",
            backend,
        )
        assert locked[0][0] >= 1  # it holds its transaction: the claimed rows are locked
        scheduler.kill()
    finally:
        holder.rollback()
        holder.close()

    def backend_gone() -> bool:
        return not tasks_db.query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", backend)

    wait_for("the killed scheduler's transaction rolled back", backend_gone, 60, every=0.2)
    reminded = tasks_db.query(
        "SELECT count(*) FROM tasks WHERE id = ANY(%s::uuid[]) AND reminded_due IS NOT NULL", owed
    )
    assert reminded[0][0] == 0, "the killed batch's records must not have committed"

    scheduler.start(batch_size=3)
    found = wait_for_reminders(notification_store, before + owed)
    scheduler.wait_for_scans(3)
    found = reminders_of(notification_store, before + owed)
    assert {task_id: len(ids) for task_id, ids in found.items()} == dict.fromkeys(before + owed, 1)
    event_ids = [ids[0] for ids in found.values()]
    mailed = wait_for_mails(mailbox, alice.user.email, event_ids)
    assert all(mailed.count(event_id) == 1 for event_id in event_ids)


def test_an_opted_out_reminder_is_stored_and_not_emailed(
    scheduler: ShortWindowScheduler,
    caller: Callable[[], Any],
    notification_store: NotificationStore,
    mailbox: Mailbox,
) -> None:
    alice = caller()
    opted = alice.request(
        "PUT", "/notifications/preferences", json={"email": {"task.due_soon": False}}
    )
    assert opted.status_code == 200, opted.text
    assert opted.json()["email"]["task.due_soon"] is False
    quiet = alice.create(title="Quiet reminder", due_date=due_in(20))
    [event_id] = wait_for_reminders(notification_store, [quiet["id"]])[quiet["id"]]

    # Its creation's e-mail, owed before the reminder, still goes out; the reminder's is skipped.
    def settled() -> dict[str, str] | None:
        statuses = notification_store.delivery_statuses([event_id])
        return statuses if statuses.get(event_id) not in (None, "pending", "sending") else None

    assert wait_for("the reminder's e-mail settled", settled, ARRIVAL)[event_id] == "skipped"
    assert event_id not in mailbox.event_ids_mailed_to(alice.user.email)
    items = alice.request("GET", "/notifications").json()["items"]
    assert any(n["event_id"] == event_id and n["type"] == "task.due_soon" for n in items)
