"""Metrics, logs and traces every Taskwire process emits the same way."""

from taskwire_observability.logs import configure_logging
from taskwire_observability.metrics import Metrics

__all__ = ["Metrics", "configure_logging"]
