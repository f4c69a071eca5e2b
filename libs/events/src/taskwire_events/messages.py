"""A message exactly as Kafka delivered it, and where from: what a dead letter must carry."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RawMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    timestamp_ms: int | None = None
