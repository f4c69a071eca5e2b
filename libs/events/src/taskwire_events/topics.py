"""The Kafka topics of task events (provisioned by scripts/stack/kafka.sh); settings may rename
them, these are their defaults."""

TASK_EVENTS = "task-events"
TASK_EVENTS_DLQ = "task-events.dlq"  # what the notification worker could not handle
