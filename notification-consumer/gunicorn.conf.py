"""gunicorn settings for the notification read API, the same natively and in the container."""

import os

_host = os.environ.get("NOTIFICATIONS_BIND_HOST", "127.0.0.1")
bind = f"{_host}:{os.environ.get('NOTIFICATIONS_PORT', '8003')}"
wsgi_app = "notification_consumer.app:create_app()"
workers = int(os.environ.get("NOTIFICATIONS_WORKERS", "2"))
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
# Above the gateway's limits (4 KiB request line and header, 16 KiB of headers in all,
# gateway/templates): callers meet the gateway's problem+json refusals, never gunicorn's HTML.
limit_request_line = 8190
limit_request_fields = 32768
limit_request_field_size = 8190
