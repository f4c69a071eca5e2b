"""StatsD names and tags that statsd_exporter's mapping relies on."""

import socket

from taskwire_observability.metrics import Metrics, route_label, tagged


def test_a_flask_rule_becomes_a_label_with_braces_for_parameters() -> None:
    assert route_label("/tasks/<uuid:task_id>") == "/tasks/{task_id}"
    assert route_label("/tasks/<task_id>/complete") == "/tasks/{task_id}/complete"


def test_a_request_without_a_rule_is_labelled_unmatched() -> None:
    assert route_label(None) == "unmatched"


def test_tags_are_appended_influx_style_and_made_safe_for_the_line_format() -> None:
    name = tagged("taskwire.http.request", {"service": "task-api", "route": "/a:b,c=d|e"})
    assert name == "taskwire.http.request,service=task-api,route=/a_b_c_d_e"


def test_metrics_go_out_as_statsd_datagrams_tagged_with_the_service() -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    port = receiver.getsockname()[1]
    metrics = Metrics("task-api", "127.0.0.1", port)

    metrics.timing("taskwire.http.request", 12.5, route="/tasks", method="GET", status=200)
    metrics.incr("taskwire.heartbeat")

    first = receiver.recv(512).decode()
    second = receiver.recv(512).decode()
    receiver.close()
    metrics.close()
    assert first == (
        "taskwire.http.request,service=task-api,route=/tasks,method=GET,status=200:12.500000|ms"
    )
    assert second == "taskwire.heartbeat,service=task-api:1|c"


def test_the_heartbeat_carries_the_tags_of_the_moment() -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    metrics = Metrics("relay", "127.0.0.1", receiver.getsockname()[1])

    metrics.start_heartbeat(lambda: {"relay_instance": "relay-standby", "role": "standby"})

    beat = receiver.recv(512).decode()
    receiver.close()
    metrics.close()
    assert beat == "taskwire.heartbeat,service=relay,relay_instance=relay-standby,role=standby:1|c"
