"""Plumbing every Taskwire Flask service installs the same way."""

from taskwire_observability.flask_app import instrument
from taskwire_observability.health import Check
from taskwire_observability.health_server import serve_health
from taskwire_observability.logs import configure_logging
from taskwire_observability.metrics import Metrics

__all__ = ["Check", "Metrics", "configure_logging", "instrument", "serve_health"]
