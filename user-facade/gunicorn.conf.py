"""gunicorn settings for user-facade, the same natively and in the container."""

import os
import shutil
import tempfile
from typing import Any

_host = os.environ.get("USER_FACADE_BIND_HOST", "127.0.0.1")
bind = f"{_host}:{os.environ.get('USER_FACADE_PORT', '8002')}"
wsgi_app = "user_facade.app:create_app()"
workers = int(os.environ.get("USER_FACADE_WORKERS", "2"))
# A facade request mostly waits on Keycloak (password hashing): threads keep enough requests
# in flight for Keycloak to stay busy without a process per request.
worker_class = "gthread"
threads = int(os.environ.get("USER_FACADE_THREADS", "8"))
timeout = 30
# The gateway pools idle connections for 60 s (gateway/templates): outlive them, so that it is
# always the gateway that closes one, never a request racing a close.
keepalive = 75
graceful_timeout = 20
accesslog = None
errorlog = "-"
# Above the gateway's limits (4 KiB request line and header, 16 KiB of headers in all,
# gateway/templates): callers meet the gateway's problem+json refusals, never gunicorn's HTML.
limit_request_line = 8190
limit_request_fields = 32768
limit_request_field_size = 8190

# One rate-limit store for every worker of this instance (they inherit the master's environment).
_limits_dir = None
if not os.environ.get("USER_FACADE_RATE_LIMIT_FILE"):
    _limits_dir = tempfile.mkdtemp(prefix="user-facade-")
    os.environ["USER_FACADE_RATE_LIMIT_FILE"] = os.path.join(_limits_dir, "rate-limits.sqlite3")


def on_exit(_server: Any) -> None:
    if _limits_dir is not None:
        shutil.rmtree(_limits_dir, ignore_errors=True)
