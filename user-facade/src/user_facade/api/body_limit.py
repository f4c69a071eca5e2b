"""Oversize request bodies are read to the end before they are refused.

gunicorn's threaded worker drains at most 64 KiB of a body the application left unread and then
closes the connection, although its response already said `Connection: keep-alive`; the
gateway's pool of kept-alive connections would hand that dead connection to the next request
(a 502 for an innocent caller). So a declared body over the limit is read and thrown away here,
up to `drain_bytes`, and Flask's `MAX_CONTENT_LENGTH` then answers the 413 problem on a
connection that is in step. The gateway refuses such bodies itself (the same limit, set per
location in gateway/templates), so this guards callers that reach the facade directly.
"""

from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CHUNK = 64 * 1024


class DrainOversizeBodies:
    def __init__(self, app: WsgiApp, limit_bytes: int, drain_bytes: int) -> None:
        self._app = app
        self._limit = limit_bytes
        self._drain = drain_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if self._limit < declared <= self._drain:
            stream = environ["wsgi.input"]
            left = declared
            while left > 0:
                chunk = stream.read(min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
        return self._app(environ, start_response)
