"""The monitoring pages `make up` prints open and show the stack's alerts and targets
(Debian's Prometheus 2.42 serves only its classic UI: /alerts is a 404 there), and
Alertmanager's web UI opens at its printed URL."""

import os

import requests

from taskwire_testkit import Stack

ALERTMANAGER = f"http://127.0.0.1:{os.environ.get('ALERTMANAGER_PORT', '9093')}"


def _page(url: str) -> str:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, url
    return response.text


def test_prometheus_classic_pages_show_the_rules_and_the_targets(stack: Stack) -> None:
    prometheus = f"http://{stack.host}:{stack.prometheus_port}"
    assert "TaskwireServiceDown" in _page(f"{prometheus}/classic/alerts")
    assert "statsd-exporter" in _page(f"{prometheus}/classic/targets")
    assert "Prometheus" in _page(f"{prometheus}/classic/graph")


def test_alertmanager_serves_its_web_ui_at_the_printed_url() -> None:
    page = _page(f"{ALERTMANAGER}/")
    assert "<title>Alertmanager</title>" in page
    # The UI is an Elm application: its script is served too, not only the page.
    assert "Elm" in _page(f"{ALERTMANAGER}/script.js")
    assert isinstance(requests.get(f"{ALERTMANAGER}/api/v2/alerts", timeout=10).json(), list)
