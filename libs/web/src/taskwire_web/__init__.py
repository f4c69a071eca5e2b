"""The web kit every Taskwire Flask app is set up with: problem+json, OpenAPI, health."""

from taskwire_web.app_setup import instrument
from taskwire_web.health import Check
from taskwire_web.health_server import serve_health

__all__ = ["Check", "instrument", "serve_health"]
