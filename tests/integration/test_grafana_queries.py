"""Every query of Grafana's dashboards and Grafana-managed alert rules (observability/grafana,
compose only) runs on the native stack's live Prometheus and names only metrics that exist
there: a renamed or never-emitted metric fails here instead of showing an empty panel.

A little traffic comes first (a task created, read and completed, the notifications listed),
so the metrics that appear only once something happened exist too. `ALERTS` is exempt: it is
Prometheus' own series of the alerts firing, absent while none does."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from taskwire_testkit import Stack, Users

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "observability/grafana"
# Scrapes every 15 s; the worker reports its lag and the relay its events every few seconds.
METRICS_DEADLINE = 180.0
SYNTHETIC = {"ALERTS", "ALERTS_FOR_STATE"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
KEYWORDS |= {"unless", "offset", "inf", "nan"}


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _queries() -> list[tuple[str, str]]:
    """(where, expr) of every Prometheus query Grafana is provisioned with."""
    found = []
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                found.append((f"{path.name}: {panel['title']}", target["expr"]))
        for variable in dashboard.get("templating", {}).get("list", []):
            match = re.fullmatch(r"label_values\((\w+), *\w+\)", variable["definition"])
            assert match, f"{path.name}: variable {variable['name']}"
            found.append((f"{path.name}: ${variable['name']}", match.group(1)))
    rules = yaml.safe_load((GRAFANA / "provisioning/alerting/rules.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            for query in rule["data"]:
                if query["datasourceUid"] == "prometheus":
                    found.append((f"alert rule {rule['title']}", query["model"]["expr"]))
    return found


def _runnable(expr: str) -> str:
    """Grafana's variables as Grafana would fill them in."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")
    return re.sub(r"\$\w+", ".*", expr)


def _metric_names(expr: str) -> set[str]:
    """The metric names an expression selects: identifiers outside label matchers, strings,
    ranges and by/without lists, that are neither functions nor keywords."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        if not match.group(2) and match.group(1).lower() not in KEYWORDS:
            names.add(match.group(1))
    return names


def test_the_metric_name_parser_sees_metrics_not_functions_labels_or_ranges() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, service) (rate(a_bucket{service=~"x|y"}[5m])))'
        " / on (service) group_left b_total offset 5m or vector(0) > bool 1"
    )
    assert _metric_names(expr) == {"a_bucket", "b_total"}


@pytest.fixture(scope="module")
def traffic(stack: Stack, users: Users) -> None:
    user = users.create("grafana-queries")
    headers = {"Authorization": f"Bearer {user.token(stack)}"}
    created = requests.post(
        f"{stack.gateway}/tasks", json={"title": "dashboards"}, headers=headers, timeout=30
    )
    assert created.status_code == 201, created.text
    task = created.headers["Location"]
    for url in (f"{stack.gateway}{task}", f"{stack.gateway}/tasks"):
        assert requests.get(url, headers=headers, timeout=30).status_code == 200
    completed = requests.post(f"{stack.gateway}{task}/complete", headers=headers, timeout=30)
    assert completed.status_code == 200
    listed = requests.get(f"{stack.gateway}/notifications", headers=headers, timeout=30)
    assert listed.status_code == 200


def _prometheus(stack: Stack, path: str, **params: str) -> Any:
    url = f"http://{stack.host}:{stack.prometheus_port}/api/v1/{path}"
    response = requests.get(url, params=params, timeout=30)
    assert response.status_code == 200, (params, response.text)
    return response.json()["data"]


def test_every_query_runs_on_prometheus(stack: Stack) -> None:
    for where, expr in _queries():
        _prometheus(stack, "query", query=_runnable(expr))  # a 400 names a bad query
        assert where


def test_every_query_names_only_metrics_that_exist(stack: Stack, traffic: None) -> None:
    wanted = {name for _, expr in _queries() for name in _metric_names(expr)} - SYNTHETIC
    assert len(wanted) > 20, wanted  # the parser found the dashboards' metrics
    deadline = time.monotonic() + METRICS_DEADLINE
    while True:
        missing = wanted - set(_prometheus(stack, "label/__name__/values"))
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(5)
    where = {w: e for w, e in _queries() if _metric_names(e) & missing}
    assert not missing, where
