"""gunicorn settings for the notification read API, the same natively and in the container.

gevent workers: an open notification stream is a greenlet waiting on its inbox, not a worker
(docs/decisions.md); psycopg2 waits through gevent (psycogreen), so a query blocks only its own
greenlet."""

import os
from typing import Any

_host = os.environ.get("NOTIFICATIONS_BIND_HOST", "127.0.0.1")
bind = f"{_host}:{os.environ.get('NOTIFICATIONS_PORT', '8003')}"
wsgi_app = "notification_consumer.app:create_app()"
workers = int(os.environ.get("NOTIFICATIONS_WORKERS", "2"))
worker_class = "gevent"
# Every stream the app admits (Settings.streams_max), plus room for ordinary requests: beyond
# the app's limit a caller gets its 429 problem, never a connection left waiting in the backlog.
worker_connections = int(os.environ.get("NOTIFICATIONS_STREAMS_MAX", "2000")) + 200
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
# Above the gateway's limits (4 KiB request line and header, 16 KiB of headers in all,
# gateway/templates): callers meet the gateway's problem+json refusals, never gunicorn's HTML.
limit_request_line = 8190
limit_request_fields = 32768
limit_request_field_size = 8190


def post_fork(_server: Any, _worker: Any) -> None:
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()


def post_worker_init(worker: Any) -> None:
    """On a graceful stop gunicorn waits for open requests: tell the streams to end (an `end`
    event, `shutting_down`) so that clients resume elsewhere at once instead of at the timeout."""
    import gevent

    def end_streams_when_stopping() -> None:
        while worker.alive:
            gevent.sleep(0.5)
        worker.wsgi.extensions["notification_hub"].stop()

    gevent.spawn(end_streams_when_stopping)
