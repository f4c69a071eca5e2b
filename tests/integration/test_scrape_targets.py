"""Every component of the native stack is watched: each scrape job of Prometheus
(observability/prometheus/prometheus.yml) has its targets up after `make up`, and each
exporter reports the component it watches as reachable, with the metrics the alerts and
dashboards use."""

import time
from pathlib import Path
from typing import Any

import requests
import yaml

from taskwire_testkit import Stack

ROOT = Path(__file__).resolve().parents[2]
# Scrapes run every 15 s: a target added by a restart has been scraped well within this.
SCRAPED_DEADLINE = 120.0


def _configured_jobs() -> set[str]:
    config = yaml.safe_load((ROOT / "observability/prometheus/prometheus.yml").read_text())
    return {job["job_name"] for job in config["scrape_configs"]}


def _targets(prometheus: str) -> list[dict[str, Any]]:
    response = requests.get(f"{prometheus}/api/v1/targets", params={"state": "active"}, timeout=10)
    response.raise_for_status()
    targets: list[dict[str, Any]] = response.json()["data"]["activeTargets"]
    return targets


def _query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    response = requests.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def test_every_scrape_job_has_targets_and_all_of_them_are_up(stack: Stack) -> None:
    prometheus = f"http://{stack.host}:{stack.prometheus_port}"
    deadline = time.monotonic() + SCRAPED_DEADLINE
    while True:
        targets = _targets(prometheus)
        if all(t["health"] != "unknown" for t in targets) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert {t["labels"]["job"] for t in targets} == _configured_jobs()
    down = {t["labels"]["job"]: t["lastError"] for t in targets if t["health"] != "up"}
    assert not down


def test_each_exporter_reaches_the_component_it_watches(stack: Stack) -> None:
    prometheus = f"http://{stack.host}:{stack.prometheus_port}"
    for expr in (
        'pg_up{job="postgres"}',
        'nginx_up{job="gateway"}',
        'probe_success{job="mailsink"}',
        'kafka_up{job="kafka-lag"}',
    ):
        values = [float(r["value"][1]) for r in _query(prometheus, expr)]
        assert values == [1.0], (expr, values)


def test_kafka_offsets_and_lag_are_metrics(stack: Stack) -> None:
    prometheus = f"http://{stack.host}:{stack.prometheus_port}"
    # DLQ depth: the dead-letter topic's end offset, whatever it holds.
    assert _query(prometheus, 'kafka_topic_partition_current_offset{topic="task-events.dlq"}')
    # The notification consumer's lag on each of task-events' six partitions.
    lag = _query(
        prometheus,
        'kafka_consumergroup_lag{consumergroup="notification-consumer", topic="task-events"}',
    )
    assert sorted(int(r["metric"]["partition"]) for r in lag) == list(range(6))
    # The broker's own metrics, from the JMX agent in its JVM.
    assert _query(prometheus, 'kafka_server_replicamanager_partitioncount{job="kafka"}')
