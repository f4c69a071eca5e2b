"""The task-event contract (contract section 4, docs/events.md) and its pipeline's plumbing.

Kafka client set-up is `taskwire_events.kafka_clients`, apart: the contract imports no client."""

from taskwire_events.backoff import Backoff
from taskwire_events.cloudevents import SPEC_VERSION, CloudEvent, InvalidEvent, cloud_event, read
from taskwire_events.messages import RawMessage
from taskwire_events.topics import TASK_EVENTS, TASK_EVENTS_DLQ
from taskwire_events.types import EventType

__all__ = [
    "SPEC_VERSION",
    "TASK_EVENTS",
    "TASK_EVENTS_DLQ",
    "Backoff",
    "CloudEvent",
    "EventType",
    "InvalidEvent",
    "RawMessage",
    "cloud_event",
    "read",
]
