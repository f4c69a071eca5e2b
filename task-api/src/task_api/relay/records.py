"""An outbox row, as the WAL carries it, turned into the Kafka record of its CloudEvent."""

import json
import logging
from dataclasses import dataclass

from task_api.relay.pgoutput import Insert, ProtocolError

# The CloudEvents Kafka binding: structured mode, attributes mirrored as `ce_` headers so that
# consumers can route and deduplicate without parsing the value.
CONTENT_TYPE = b"application/cloudevents+json; charset=UTF-8"
_REQUIRED = ("id", "aggregateid", "type", "payload")
log = logging.getLogger(__name__)


class MalformedEvent(ProtocolError):
    """An outbox row without the columns an event needs: it is never skipped silently."""


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    event_id: str
    event_type: str
    task_id: str
    request_id: str | None
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def outbox_record(insert: Insert) -> OutboxRecord:
    values = insert.values
    missing = [column for column in _REQUIRED if not values.get(column)]
    if missing:
        raise MalformedEvent(f"outbox row without {', '.join(missing)}")
    event_id, task_id, event_type, payload = (values[c] or "" for c in _REQUIRED)
    request_id = values.get("request_id")
    headers = [("content-type", CONTENT_TYPE)]
    try:
        event = json.loads(payload)
    except ValueError:
        event = None
    if isinstance(event, dict) and event.get("id") == event_id:
        headers.append(("ce_specversion", str(event.get("specversion", "1.0")).encode()))
    else:
        # The relay is a transport: a payload that is not its row's CloudEvent still goes out
        # (the consumer dead-letters what it cannot use); stopping here would hold back every
        # event behind it.
        log.warning("outbox payload is not its row's CloudEvent", extra={"event_id": event_id})
        event = {}
    headers.append(("ce_id", event_id.encode()))
    headers.append(("ce_type", event_type.encode()))
    if "source" in event:
        headers.append(("ce_source", str(event["source"]).encode()))
    headers.append(("ce_subject", task_id.encode()))
    if request_id:
        headers.append(("ce_requestid", request_id.encode()))
    return OutboxRecord(
        event_id=event_id,
        event_type=event_type,
        task_id=task_id,
        request_id=request_id,
        key=task_id.encode(),
        value=payload.encode(),
        headers=headers,
    )
