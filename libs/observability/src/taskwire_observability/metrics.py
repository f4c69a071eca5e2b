"""StatsD metrics with InfluxDB-style tags, which statsd_exporter turns into Prometheus labels."""

import re
import threading
from collections.abc import Callable, Mapping

from statsd import StatsClient

HEARTBEAT_SECONDS = 10.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_./{}-]")
_ROUTE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def route_label(rule: str | None) -> str:
    """Turn a Flask rule such as `/tasks/<uuid:task_id>` into the label `/tasks/{task_id}`."""
    if not rule:
        return "unmatched"
    return _UNSAFE.sub("_", _ROUTE_PARAM.sub(r"{\1}", rule))


def tagged(name: str, tags: Mapping[str, str | int]) -> str:
    """Append tags to a metric name: `name,k=v,...`, with values made safe for the line format."""
    parts = [name] + [f"{key}={_UNSAFE.sub('_', str(value))}" for key, value in tags.items()]
    return ",".join(parts)


class Metrics:
    """One StatsD client per process, tagging every metric with the service name."""

    def __init__(self, service: str, host: str, port: int) -> None:
        self.service = service
        self._client = StatsClient(host=host, port=port)
        self._stop = threading.Event()

    def timing(self, name: str, millis: float, **tags: str | int) -> None:
        self._client.timing(tagged(name, {"service": self.service, **tags}), millis)

    def incr(self, name: str, count: int = 1, **tags: str | int) -> None:
        self._client.incr(tagged(name, {"service": self.service, **tags}), count)

    def gauge(self, name: str, value: float, **tags: str | int) -> None:
        self._client.gauge(tagged(name, {"service": self.service, **tags}), value)

    def start_heartbeat(self, tags: Callable[[], Mapping[str, str]] = dict) -> None:
        """Beat every few seconds so that alerting can tell a dead process from an idle one.
        `tags` is asked at each beat, so a process with several instances or a changing role
        (the relay's leader and standby) beats one series per instance and role."""

        def beat() -> None:
            while not self._stop.is_set():
                self._client.incr(tagged("taskwire.heartbeat", {"service": self.service, **tags()}))
                self._stop.wait(HEARTBEAT_SECONDS)

        threading.Thread(target=beat, name="heartbeat", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._client.close()
