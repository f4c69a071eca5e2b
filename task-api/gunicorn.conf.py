"""gunicorn settings for task-api, the same natively and in the container."""

import os

_host = os.environ.get("TASK_API_BIND_HOST", "127.0.0.1")
bind = f"{_host}:{os.environ.get('TASK_API_PORT', '8001')}"
wsgi_app = "task_api.app:create_app()"
workers = int(os.environ.get("TASK_API_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
# Above the gateway's limits (4 KiB request line and header, 16 KiB of headers in all,
# gateway/templates): callers meet the gateway's problem+json refusals, never gunicorn's HTML.
limit_request_line = 8190
limit_request_fields = 32768
limit_request_field_size = 8190
