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
