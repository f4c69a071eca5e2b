"""`taskwire-notification-replay`: put dead letters back on their original topic after a fix.

Reads `task-events.dlq` from where the last replay stopped (the consumer group
`<group>.dlq-replay` remembers it) up to the end the topic had when the replay started, and
republishes each message unchanged (key, value, original headers) to the topic it came from.
The worker then handles it like any event: a notification already stored is not stored again,
and an e-mail that had been given up gets a fresh set of tries. A message that fails again goes
back to the dead-letter topic, past the end this run stops at. See docs/events.md.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from notification_consumer.adapters.kafka import DLQ_HEADER_PREFIX
from notification_consumer.settings import REPLAY_PRINCIPAL, SERVICE, WorkerSettings

REPLAYED_FROM = "replayed-from"


def main(argv: Sequence[str] | None = None) -> int:
    settings = WorkerSettings.from_env(REPLAY_PRINCIPAL)
    parser = argparse.ArgumentParser(prog="taskwire-notification-replay", description=__doc__)
    parser.add_argument(
        "--dry-run", action="store_true", help="list the dead letters; publish and commit nothing"
    )
    parser.add_argument(
        "--from-offset", type=int, help="start here instead of where the last replay stopped"
    )
    parser.add_argument("--limit", type=int, help="replay at most this many messages")
    parser.add_argument("--bootstrap-servers", default=settings.kafka.bootstrap)
    parser.add_argument("--dlq-topic", default=settings.dlq_topic)
    parser.add_argument("--group", default=settings.dlq_replay_group)
    args = parser.parse_args(argv)

    kafka = replace(settings.kafka, bootstrap=args.bootstrap_servers)
    consumer = kafka.consumer(
        f"{SERVICE}-replay",
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = None if args.dry_run else kafka.producer(f"{SERVICE}-replay", acks="all")
    try:
        replayed = _replay(consumer, producer, args)
    finally:
        consumer.close(autocommit=False)
        if producer is not None:
            producer.close(timeout=10)
    verb = "would replay" if args.dry_run else "replayed"
    print(f"{verb} {replayed} message(s) from {args.dlq_topic}", file=sys.stderr)
    return 0


def _replay(consumer: KafkaConsumer, producer: KafkaProducer | None, args: Any) -> int:
    partitions = [
        TopicPartition(args.dlq_topic, p)
        for p in sorted(consumer.partitions_for_topic(args.dlq_topic) or ())
    ]
    if not partitions:
        raise SystemExit(f"topic {args.dlq_topic} does not exist")
    consumer.assign(partitions)
    ends = consumer.end_offsets(partitions)
    for partition in partitions:
        if args.from_offset is not None:
            consumer.seek(partition, args.from_offset)
    replayed = 0
    for partition in partitions:
        end = ends[partition]
        while consumer.position(partition) < end and not _reached(args.limit, replayed):
            batch = consumer.poll(timeout_ms=2000, max_records=100).get(partition, [])
            if not batch:
                break  # nothing more arrives below the end: done with this partition
            for record in batch:
                if record.offset >= end or _reached(args.limit, replayed):
                    break
                print(json.dumps(_describe(record)))
                if producer is not None:
                    _republish(producer, record)
                    consumer.commit({partition: OffsetAndMetadata(record.offset + 1, "", -1)})
                replayed += 1
    return replayed


def _reached(limit: int | None, replayed: int) -> bool:
    return limit is not None and replayed >= limit


def _republish(producer: KafkaProducer, record: Any) -> None:
    headers = dict(record.headers or ())
    topic = headers.get(f"{DLQ_HEADER_PREFIX}original-topic", b"task-events").decode()
    kept = [(k, v) for k, v in record.headers or () if not k.startswith(DLQ_HEADER_PREFIX)]
    kept = [(k, v) for k, v in kept if k != REPLAYED_FROM]
    kept.append((REPLAYED_FROM, f"{record.topic}:{record.partition}:{record.offset}".encode()))
    producer.send(topic, key=record.key, value=record.value, headers=kept).get(timeout=30)


def _describe(record: Any) -> dict[str, Any]:
    headers = {k: (v or b"").decode(errors="replace") for k, v in record.headers or ()}
    described: dict[str, Any] = {
        "offset": record.offset,
        "stage": headers.get(f"{DLQ_HEADER_PREFIX}stage"),
        "error": headers.get(f"{DLQ_HEADER_PREFIX}error"),
        "original": "{}:{}:{}".format(
            headers.get(f"{DLQ_HEADER_PREFIX}original-topic"),
            headers.get(f"{DLQ_HEADER_PREFIX}original-partition"),
            headers.get(f"{DLQ_HEADER_PREFIX}original-offset"),
        ),
    }
    try:
        event = json.loads(record.value or b"")
        described["event_id"] = event.get("id")
        described["type"] = event.get("type")
    except (ValueError, AttributeError):
        described["event_id"] = None
    return described


if __name__ == "__main__":
    sys.exit(main())
