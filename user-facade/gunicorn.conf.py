"""gunicorn settings for user-facade, the same natively and in the container."""

import os

_host = os.environ.get("USER_FACADE_BIND_HOST", "127.0.0.1")
bind = f"{_host}:{os.environ.get('USER_FACADE_PORT', '8002')}"
wsgi_app = "user_facade.app:create_app()"
workers = int(os.environ.get("USER_FACADE_WORKERS", "2"))
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
