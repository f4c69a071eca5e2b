"""Reporting the dead letters no replay has put back yet (the TaskwireDeadLetters alert)."""

import logging
import threading
from typing import Protocol

from taskwire_observability import Metrics

log = logging.getLogger(__name__)

UNREPLAYED_METRIC = "taskwire.consumer.dlq_unreplayed"
REPORT_EVERY_SECONDS = 15.0


class DeadLetterBacklog(Protocol):
    def unreplayed(self) -> int:
        """How many dead letters no replay has put back yet; raises when Kafka cannot say."""
        ...


def report_backlog_until_stopped(
    backlog: DeadLetterBacklog, metrics: Metrics, stop: threading.Event
) -> None:
    """Send the number of unreplayed dead letters every few seconds; while Kafka cannot say,
    send nothing, and the gauge expires in statsd_exporter."""
    while not stop.is_set():
        try:
            metrics.gauge(UNREPLAYED_METRIC, backlog.unreplayed())
        except Exception as error:
            log.warning("dead-letter backlog unknown", extra={"error": repr(error)})
        stop.wait(REPORT_EVERY_SECONDS)
