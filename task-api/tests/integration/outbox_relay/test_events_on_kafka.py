"""The running relay: committed task changes appear on task-events as their CloudEvents, keyed
by task, in commit order, once each; the slot is confirmed behind them; roles and metrics."""

import os
import re
import time
import uuid

import psycopg2
import requests
from kafka import TopicPartition

from task_api.service.tasks import TaskService
from taskwire_testkit import Stack

from .stack_control import RELAYS, relay_report
from .traffic import Written, assert_every_committed_event_relayed_in_order, read_back

EXPORTER_PORT = int(os.environ.get("STATSD_EXPORTER_PORT", "9102"))
RELAY_DSN = "task_relay", "task-relay-dev-only-password", "tasks"


def test_a_committed_change_appears_on_task_events_as_its_cloudevent(
    stack: Stack, service: TaskService, written: Written, start: dict[TopicPartition, int]
) -> None:
    owner = uuid.uuid4()
    created = service.create_task(owner, {"title": "relayed"}, request_id="req-relay-1")

    [record] = read_back(stack, start, written)
    [event] = written.events
    assert record.event == event
    assert record.key == created.body["id"].encode()
    assert event["subject"] == created.body["id"]
    assert event["type"] == "task.created"
    assert event["data"] == {**created.body, "owner_id": str(owner)}
    assert record.headers["ce_id"] == event["id"].encode()
    assert record.headers["ce_type"] == b"task.created"
    assert record.headers["ce_source"] == b"urn:taskwire:task-api"
    assert record.headers["ce_requestid"] == b"req-relay-1"
    assert record.headers["content-type"].startswith(b"application/cloudevents+json")


def test_the_events_of_one_task_arrive_in_commit_order(
    stack: Stack, service: TaskService, written: Written, start: dict[TopicPartition, int]
) -> None:
    owner = uuid.uuid4()
    task_id = uuid.UUID(service.create_task(owner, {"title": "v0"}).body["id"])
    for version in range(1, 30):
        service.update_task(owner, task_id, {"title": f"v{version}"})
    service.complete_task(owner, task_id)
    service.delete_task(owner, task_id)

    relayed = read_back(stack, start, written)
    outcome = assert_every_committed_event_relayed_in_order(written, relayed)

    assert outcome.committed == 32
    assert [r.event["type"] for r in relayed] == (
        ["task.created"] + ["task.updated"] * 29 + ["task.completed", "task.deleted"]
    )
    assert [r.event["data"]["title"] for r in relayed][:30] == [f"v{v}" for v in range(30)]


def test_a_no_op_publishes_nothing(
    stack: Stack, service: TaskService, written: Written, start: dict[TopicPartition, int]
) -> None:
    owner = uuid.uuid4()
    task_id = uuid.UUID(service.create_task(owner, {"title": "same"}).body["id"])
    service.update_task(owner, task_id, {"title": "same"})
    service.complete_task(owner, task_id)
    service.complete_task(owner, task_id)
    service.delete_task(owner, task_id)  # the last event: anything before it is on Kafka first

    relayed = read_back(stack, start, written)

    assert [r.event["type"] for r in relayed] == ["task.created", "task.completed", "task.deleted"]


def test_the_slot_is_confirmed_past_a_relayed_change_and_keeps_moving(
    stack: Stack, service: TaskService, written: Written, start: dict[TopicPartition, int]
) -> None:
    service.create_task(uuid.uuid4(), {"title": "confirmed"})
    connection = psycopg2.connect(stack.dsn(*RELAY_DSN))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (after_commit,) = cursor.fetchone() or ("",)
            read_back(stack, start, written)

            def confirmed_past_commit() -> bool:
                cursor.execute(
                    "SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots"
                    " WHERE slot_name = 'taskwire_relay'",
                    (after_commit,),
                )
                return bool((cursor.fetchone() or (False,))[0])

            deadline = time.monotonic() + 10
            while not confirmed_past_commit():
                assert time.monotonic() < deadline, "the slot was not confirmed within 10 s"
                time.sleep(0.2)
    finally:
        connection.close()


def test_one_relay_leads_and_the_other_stands_by(start: dict[TopicPartition, int]) -> None:
    reports = {program: relay_report(program) for program in RELAYS}

    assert sorted(r["role"] for r in reports.values() if r) == ["leader", "standby"]
    for program, port in RELAYS.items():
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        assert (reports[program] or {})["slot"] == "taskwire_relay"


def test_the_relay_reports_lag_events_and_heartbeat(
    stack: Stack, service: TaskService, written: Written, start: dict[TopicPartition, int]
) -> None:
    def relay_metrics() -> dict[str, float]:
        text = requests.get(f"http://127.0.0.1:{EXPORTER_PORT}/metrics", timeout=5).text
        found = {}
        for name in ("taskwire_relay_events_total", "taskwire_relay_lag_bytes"):
            match = re.search(rf'^{name}\{{service="relay"\}} (\S+)$', text, re.MULTILINE)
            found[name] = float(match.group(1)) if match else -1.0
        # One heartbeat series per instance and role (the exporter sorts the labels).
        for instance, role, value in re.findall(
            r'^taskwire_heartbeat_total\{relay_instance="([^"]+)",role="([^"]+)",service="relay"\}'
            r" (\S+)$",
            text,
            re.MULTILINE,
        ):
            found[f"heartbeat {role} {instance}"] = float(value)
        return found

    before = relay_metrics()
    service.create_task(uuid.uuid4(), {"title": "counted"})
    read_back(stack, start, written)

    deadline = time.monotonic() + 10
    while relay_metrics()["taskwire_relay_events_total"] <= before["taskwire_relay_events_total"]:
        assert time.monotonic() < deadline, "the events counter did not move"
        time.sleep(0.2)
    after = relay_metrics()
    assert after["taskwire_relay_lag_bytes"] >= 0
    reports = {program: relay_report(program) or {} for program in RELAYS}
    for program, report in reports.items():
        assert after.get(f"heartbeat {report.get('role')} {program}", -1.0) > 0, after
