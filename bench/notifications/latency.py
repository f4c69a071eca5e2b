"""End-to-end notification latency at a steady write rate: task writes through the gateway,
task-api, the outbox relay, Kafka and the notification worker, until the notification is
stored. Results: docs/performance.md, "End-to-end latency".

    uv run --frozen --all-packages python bench/notifications/latency.py --rate 200 --seconds 60

wrk (C, so that the load generator leaves the 2 cores to the system) sends the writes at a
steady pace from a fresh user. Latency is read afterwards from the notifications database: a
notification's `created_at` (when the worker stored it) minus its `event_time` (the time
task-api's use case stamped on the event, just before its commit and its response), both
from this machine's clock. The measured span thus also includes task-api's own commit, so it
slightly overstates "API response → notification stored".
"""

import argparse
import os
import re
import statistics
import subprocess
import time
from datetime import datetime
from pathlib import Path

import psycopg2

from taskwire_testkit import Stack, Users

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200, help="task writes per second")
    parser.add_argument("--seconds", type=int, default=60, help="how long to write")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections")
    parser.add_argument(
        "--allowance-ms",
        type=int,
        default=35,
        help="expected request latency, taken off each connection's pause to hold the rate",
    )
    args = parser.parse_args()

    stack = Stack()
    users = Users(stack)
    user = users.create("latency-bench")
    try:
        began = time.time()
        sent, achieved, errors = _write(stack, user.token(stack), args)
        rows = _settle(stack, user.id, began)
    finally:
        users.delete_all()
    latencies = sorted((stored - event).total_seconds() * 1000 for event, stored in rows)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"writes: {achieved:.0f}/s for {args.seconds}s (target {args.rate}/s), errors: {errors}")
    print(f"notifications stored: {len(latencies)} of {sent} writes")
    print(
        "event time -> notification stored (ms): "
        f"p50 {q[49]:.1f}  p90 {q[89]:.1f}  p99 {q[98]:.1f}  max {latencies[-1]:.1f}"
    )


def _write(stack: Stack, token: str, args: argparse.Namespace) -> tuple[int, float, int]:
    # A connection sends, waits for the answer, then pauses: its cycle is latency + pause.
    delay_ms = max(round(args.connections * 1000 / args.rate) - args.allowance_ms, 0)
    done = subprocess.run(
        [
            "wrk",
            f"-t{min(args.connections, 2)}",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "paced_post.lua"),
            f"{stack.gateway}/tasks",
        ],
        env={**os.environ, "TOKEN": token, "DELAY_MS": str(delay_ms)},
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout)
    sent = int(re.search(r"(\d+) requests in", done.stdout).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return sent, rate, int(non_2xx.group(1)) if non_2xx else 0


def _settle(stack: Stack, owner_id: str, since: float) -> list[tuple[datetime, datetime]]:
    """The (event time, stored at) of the bench user's notifications, once no more arrive."""
    password = os.environ.get(
        "NOTIFICATION_CONSUMER_DB_PASSWORD", "notification-consumer-dev-only-password"
    )
    dsn = stack.dsn("notification_consumer", password, "notifications")
    previous = -1
    while True:
        with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT event_time, created_at FROM notifications"
                " WHERE owner_id = %s AND type = 'task.created' AND event_time >= to_timestamp(%s)",
                (owner_id, since),
            )
            rows: list[tuple[datetime, datetime]] = cursor.fetchall()
        connection.close()
        if len(rows) == previous:
            return rows
        previous = len(rows)
        time.sleep(3)


if __name__ == "__main__":
    main()
