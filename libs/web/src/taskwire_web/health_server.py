"""Serving `/healthz` and `/readyz` beside a process's own loop (the relay, the notification
worker): a Flask app on a threaded werkzeug server in a daemon thread, the one way every
process without an HTTP API of its own answers its probes."""

import logging
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

log = logging.getLogger(__name__)


def serve_health(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """Start serving `app`; stop with `shutdown()` (port 0 picks a free one:
    `server_address`)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # probes, not news
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log.info("health endpoints listening", extra={"host": host, "port": server.server_port})
    return server
