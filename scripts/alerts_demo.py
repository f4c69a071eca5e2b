"""`make alerts-demo C=component`: the whole alerting chain, watched live on the native stack.

Stops one component, prints its alert as Prometheus raises it (pending, then firing), the
e-mail Alertmanager sends to ops@taskwire.example at the mail sink and where each can be seen,
then starts the component again and prints the resolution and its e-mail. The rules keep their
production `for:`; Alertmanager's group timings are shortened for the demo (group_wait 1 s,
group_interval 5 s, as the alert delivery test does) and put back at the end.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "scripts/stack/stack.sh"
OPS = "ops@taskwire.example"
PROMETHEUS = f"http://127.0.0.1:{os.environ.get('PROMETHEUS_PORT', '9090')}"
ALERTMANAGER = f"http://127.0.0.1:{os.environ.get('ALERTMANAGER_PORT', '9093')}"
MAIL = f"http://127.0.0.1:{os.environ.get('MAIL_HTTP_PORT', '8025')}"
# Component -> the alert that covers it (observability/README.md, "Alerts").
ALERTS = {
    "postgres": "TaskwirePostgresDown",
    "kafka": "TaskwireKafkaDown",
    "keycloak": "TaskwireKeycloakDown",
    "gateway": "TaskwireGatewayDown",
    "task-api": "TaskwireServiceDown",
    "user-facade": "TaskwireServiceDown",
    "notification-api": "TaskwireServiceDown",
    "notification-worker": "TaskwireServiceDown",
    "relay-standby": "TaskwireRelayStandbyGone",
    "statsd-exporter": "TaskwireScrapeTargetDown",
    "postgres-exporter": "TaskwireScrapeTargetDown",
    "kafka-lag-exporter": "TaskwireScrapeTargetDown",
    "nginx-exporter": "TaskwireScrapeTargetDown",
    "blackbox-exporter": "TaskwireScrapeTargetDown",
}
# Stop -> scrape -> `for:` -> evaluation -> Alertmanager -> SMTP, on a busy machine.
DEADLINE = 600.0


def _run(*args: str | Path, check: bool = True, **timings: str) -> None:
    """A stack script of this repository (fixed paths, a component name from ALERTS)."""
    env = {**os.environ, **timings}
    subprocess.run(args, env=env, check=check)  # noqa: S603


def _alertmanager_timings(**timings: str) -> None:
    _run(ROOT / "scripts/stack/alertmanager.sh", "reload", **timings)


def _states(alert: str) -> list[str]:
    response = requests.get(f"{PROMETHEUS}/api/v1/alerts", timeout=10)
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["data"]["alerts"]
    return [a["state"] for a in found if a["labels"]["alertname"] == alert]


def _mails(alert: str, status: str) -> list[dict[str, Any]]:
    response = requests.get(f"{MAIL}/api/email", params={"to.address": OPS}, timeout=10)
    response.raise_for_status()
    mails: list[dict[str, Any]] = response.json()
    return [m for m in mails if m["subject"].startswith(f"[{status}") and alert in m["subject"]]


def _say(began: float, text: str) -> None:
    print(f"[{time.monotonic() - began:6.1f} s] {text}", flush=True)


def _await_mail(alert: str, status: str, seen: set[str], began: float) -> None:
    deadline = time.monotonic() + DEADLINE
    last_state = None
    while time.monotonic() < deadline:
        states = _states(alert)
        state = "firing" if "firing" in states else (states[0] if states else "inactive")
        if state != last_state:
            _say(began, f"Prometheus: {alert} is {state}")
            last_state = state
        new = [m for m in _mails(alert, status) if m["id"] not in seen]
        if new:
            seen.add(new[0]["id"])
            _say(began, f"e-mail to {OPS}: {new[0]['subject']}")
            return
        time.sleep(2)
    sys.exit(f"no {status} e-mail about {alert} within {DEADLINE:.0f} s")


def main() -> None:
    component = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else "gateway"
    if component not in ALERTS:
        # Not the mail sink: it would have to carry its own alert's e-mail.
        sys.exit(f"choose one of: {' '.join(sorted(ALERTS))}")
    alert = ALERTS[component]
    print(f"Stopping {component}; expect {alert}. Watch it at:")
    print(f"  Prometheus    {PROMETHEUS}/classic/alerts")
    print(f"  Alertmanager  {ALERTMANAGER}/#/alerts")
    print(f"  Mail sink     {MAIL}  (e-mails to {OPS})")
    seen = {m["id"] for m in _mails(alert, "FIRING") + _mails(alert, "RESOLVED")}
    _alertmanager_timings(ALERTMANAGER_GROUP_WAIT="1s", ALERTMANAGER_GROUP_INTERVAL="5s")
    try:
        began = time.monotonic()
        _run(STACK, "stop", component)
        _say(began, f"{component} stopped")
        _await_mail(alert, "FIRING", seen, began)
        began = time.monotonic()
        _run(STACK, "restart", component)
        _say(began, f"{component} running and ready again")
        _await_mail(alert, "RESOLVED", seen, began)
    finally:
        _run(STACK, "start", component, check=False)
        _alertmanager_timings()
    print("Done: the alert fired, was e-mailed, and resolved.")


if __name__ == "__main__":
    main()
