"""The plain polling relay the WAL relay is measured against (benchmark only, never deployed).

It reads an outbox table that keeps its rows (`SELECT ... FOR UPDATE SKIP LOCKED`, oldest
first), publishes a batch with the same Kafka producer and record mapping as the real relay,
waits for Kafka's acks, deletes the batch and commits; when a poll finds less than a full
batch it sleeps 500 ms, as such relays do.
"""

import time
from collections.abc import Callable

import psycopg2

from task_api.relay.pgoutput import Insert, Relation
from task_api.relay.producer import KafkaPublisher
from task_api.relay.records import outbox_record

POLL_INTERVAL = 0.5
COLUMNS = ("id", "aggregatetype", "aggregateid", "type", "payload", "request_id", "created_at")
_RELATION = Relation(0, "public", "bench_relay_polled", COLUMNS)


def run(
    dsn: str,
    table: str,
    publisher: KafkaPublisher,
    batch: int,
    done: Callable[[int], bool],
) -> int:
    """Relay until `done(relayed so far)` says so after an empty poll; return the count."""
    connection = psycopg2.connect(dsn)
    relayed = 0
    select = (
        f"SELECT seq, id::text, aggregatetype, aggregateid, type, payload::text, request_id,"  # noqa: S608 (bench table name)
        f" created_at::text FROM {table} ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED"
    )
    delete = f"DELETE FROM {table} WHERE seq = ANY(%s)"  # noqa: S608
    try:
        while True:
            with connection, connection.cursor() as cursor:
                cursor.execute(select, (batch,))
                rows = cursor.fetchall()
                deliveries = []
                for row in rows:
                    record = outbox_record(
                        Insert(_RELATION, dict(zip(COLUMNS, row[1:], strict=True)))
                    )
                    deliveries.append(publisher.send(record))
                publisher.flush(60)
                failed = [d.exception for d in deliveries if d.exception is not None]
                if failed:
                    raise RuntimeError(f"Kafka failed {len(failed)} events: {failed[0]!r}")
                cursor.execute(delete, ([row[0] for row in rows],))
            relayed += len(rows)
            if not rows and done(relayed):
                return relayed
            if len(rows) < batch:
                time.sleep(POLL_INTERVAL)
    finally:
        connection.close()
