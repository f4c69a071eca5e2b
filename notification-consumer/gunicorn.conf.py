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
