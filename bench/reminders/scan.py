"""Reminder scan cost at scale: 1M tasks, 10k of them owed a reminder within the window, on the
running native stack's PostgreSQL (`make up`).

    uv run --frozen --all-packages python bench/reminders/scan.py [--tasks 1000000]
        [--owed 10000] [--batch-sizes 100,500,2000] [--repeats 3]

1. Creates the schema `bench_reminders` in the tasks database (as its owner) with copies of
   `tasks` and `outbox` made `LIKE ... INCLUDING ALL`: the same columns, generated column,
   checks and indexes, the partial index `tasks_reminder_owed` included. The bench outbox is in
   no publication, so no event reaches the relay or Kafka.
2. Fills it: `--owed` tasks due within the 24 h window and not reminded; the rest split into
   tasks due later (owed, but not yet: they stay in the partial index), done tasks due within
   the window, tasks already reminded of a due date within the window, and tasks without a due
   date. VACUUM ANALYZE.
3. Prints EXPLAIN (ANALYZE, BUFFERS) of the scheduler's claim query (task_api/db/reminders.py,
   the real statement, rolled back).
4. For each batch size, `--repeats` times: resets the owed tasks (reminded_due = NULL, VACUUM),
   runs the real ReminderService (SqlUnitOfWork on a connection whose search_path is the bench
   schema) until nothing more is owed, timing every batch; then one scan with nothing owed, the
   steady-state cost of every REMINDER_SCAN_INTERVAL. Medians are reported.
5. Drops the schema, whatever happened.
"""

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg2
from sqlalchemy import create_engine

from task_api.db.reminders import CLAIM
from task_api.db.unit_of_work import SqlUnitOfWork
from task_api.service.reminders import ReminderService
from taskwire_testkit import Stack

SCHEMA = "bench_reminders"
OWNER = ("tasks_owner", os.environ.get("TASKS_OWNER_DB_PASSWORD", "tasks-owner-dev-only-password"))
WINDOW = timedelta(hours=24)

# Row n's kind, by n modulo 100 beyond the owed ones: later 50%, done 20%, reminded 10%, none 20%.
FILL = """
INSERT INTO tasks (owner_id, id, title, status, due_date, completed_at, created_at, updated_at,
                   reminded_due)
SELECT md5((n %% 50000)::text)::uuid, md5('task' || n)::uuid, 'Task ' || n,
       CASE WHEN kind = 'done' THEN 'done' ELSE 'todo' END,
       CASE kind
         WHEN 'owed' THEN now() + (n %% 1380 + 30) * interval '1 minute'
         WHEN 'later' THEN now() + interval '2 days' + (n %% 86400) * interval '1 minute'
         WHEN 'none' THEN NULL
         ELSE now() + (n %% 1380 + 30) * interval '1 minute'
       END,
       CASE WHEN kind = 'done' THEN now() END,
       now() - interval '30 days', now() - interval '30 days',
       CASE WHEN kind = 'reminded' THEN now() + (n %% 1380 + 30) * interval '1 minute' END
FROM (
  SELECT n, CASE
      WHEN n < %(owed)s THEN 'owed'
      WHEN n %% 100 < 50 THEN 'later'
      WHEN n %% 100 < 70 THEN 'done'
      WHEN n %% 100 < 80 THEN 'reminded'
      ELSE 'none'
    END AS kind
  FROM generate_series(0, %(tasks)s - 1) AS n
) AS rows
"""
# (A reminded row's reminded_due equals its due date: now() is the same throughout a statement.)
RESET = (
    "UPDATE tasks SET reminded_due = NULL"
    " WHERE id IN (SELECT md5('task' || n)::uuid FROM generate_series(0, %s - 1) AS n)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--owed", type=int, default=10_000)
    parser.add_argument("--batch-sizes", default="100,500,2000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    stack = Stack()
    dsn = stack.dsn(*OWNER, "tasks")
    with bench_schema(dsn):
        began = time.perf_counter()
        run(dsn, FILL, {"tasks": args.tasks, "owed": args.owed})
        vacuum(dsn)
        filled = time.perf_counter() - began
        print(f"filled {args.tasks} tasks ({args.owed} owed) in {filled:.0f} s")
        print(f"partial index: {index_size(dsn)}")
        print(explain(dsn, 500))
        url = f"postgresql+psycopg2://{OWNER[0]}:{OWNER[1]}@{stack.host}:{stack.pg_port}/tasks"
        engine = create_engine(
            url, pool_size=1, connect_args={"options": f"-c search_path={SCHEMA}"}
        )
        print(
            "| batch size | batches | median per batch | max per batch | total (median)"
            " | reminders/s | scan with nothing owed (median) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for size in (int(s) for s in args.batch_sizes.split(",")):
            batch_ms: list[float] = []
            totals: list[float] = []
            empties: list[float] = []
            for _ in range(args.repeats):
                run(dsn, RESET, (args.owed,))
                vacuum(dsn)
                service = ReminderService(lambda: SqlUnitOfWork(engine), WINDOW, size)
                these: list[float] = []
                began = time.perf_counter()
                scan = service.scan(batched=lambda _batch, ms, into=these: into.append(ms))
                totals.append(time.perf_counter() - began)
                assert scan.sent == args.owed, (scan, args.owed)
                batch_ms += these[:-1] if len(these) > 1 else these  # the last, short one apart
                began = time.perf_counter()
                assert service.scan().sent == 0
                empties.append((time.perf_counter() - began) * 1000)
            total = statistics.median(totals)
            print(
                f"| {size} | {scan.batches} | {statistics.median(batch_ms):.0f} ms"
                f" | {max(batch_ms):.0f} ms | {total:.2f} s | {args.owed / total:,.0f}"
                f" | {statistics.median(empties):.1f} ms |"
            )
        engine.dispose()


@contextmanager
def bench_schema(dsn: str) -> Iterator[None]:
    run(dsn, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    run(dsn, f"CREATE SCHEMA {SCHEMA}")
    run(dsn, f"CREATE TABLE {SCHEMA}.tasks (LIKE public.tasks INCLUDING ALL)")
    run(dsn, f"CREATE TABLE {SCHEMA}.outbox (LIKE public.outbox INCLUDING ALL)")
    try:
        yield
    finally:
        run(dsn, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def run(dsn: str, sql: str, args: object = None) -> None:
    connection = psycopg2.connect(dsn, options=f"-c search_path={SCHEMA}")
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
    finally:
        connection.close()


def vacuum(dsn: str) -> None:
    connection = psycopg2.connect(dsn, options=f"-c search_path={SCHEMA}")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tasks")
    finally:
        connection.close()


def index_size(dsn: str) -> str:
    connection = psycopg2.connect(dsn, options=f"-c search_path={SCHEMA}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid)),"
                " pg_size_pretty(pg_relation_size(indrelid))"
                " FROM pg_index WHERE indrelid = 'tasks'::regclass"
                " AND indpred IS NOT NULL"  # the partial index (LIKE gives copies new names)
            )
            name, size, table = cursor.fetchone() or ("?", "?", "?")
            return f"{name} {size} (table {table})"
    finally:
        connection.close()


def explain(dsn: str, limit: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim, in a transaction rolled back (it locks rows)."""
    connection = psycopg2.connect(dsn, options=f"-c search_path={SCHEMA}")
    try:
        with connection.cursor() as cursor:
            sql = str(CLAIM.compile(compile_kwargs={})).replace(":horizon", "%(horizon)s")
            sql = sql.replace(":limit", "%(limit)s")
            cursor.execute("SELECT now() + %s", (WINDOW,))
            (horizon,) = cursor.fetchone() or (None,)
            cursor.execute(
                f"EXPLAIN (ANALYZE, BUFFERS) {sql}", {"horizon": horizon, "limit": limit}
            )
            return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        connection.rollback()
        connection.close()


if __name__ == "__main__":
    main()
