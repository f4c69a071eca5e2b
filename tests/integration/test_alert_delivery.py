"""Alert delivery, live: a component of the native stack stops, Prometheus raises its alert,
Alertmanager e-mails it to the operators at the mail sink, and the resolution follows once the
component is back.

The component is statsd_exporter (alert TaskwireScrapeTargetDown): it sends no mail and no other
test uses it while this one runs (the services' StatsD packets are UDP, dropped meanwhile).

Timings: the rule's production `for: 1m` and the 15 s scrape/evaluation interval are kept. Only
Alertmanager's group timings are test-only for the duration of this test: group_wait 1s and
group_interval 5s instead of production's 30s and 5m (the resolved e-mail of a group waits for
the next group_interval); they are put back in a finally, with the component.
"""

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from taskwire_testkit import Mailbox, supervisorctl
from taskwire_testkit.supervisor import ROOT

OPS = "ops@taskwire.example"
COMPONENT = "statsd-exporter"
ALERT = "TaskwireScrapeTargetDown"
# Stop -> next failed scrape (<= 15 s) -> `for: 1m` -> next evaluation (<= 15 s) -> sent to
# Alertmanager -> group_wait 1 s -> SMTP: about 1.5 min; the deadline leaves room for a busy box.
FIRING_DEADLINE = 240.0
# Start -> next good scrape and evaluation (<= 30 s) -> group_interval 5 s -> SMTP.
RESOLVED_DEADLINE = 180.0


def _reload_alertmanager(**timings: str) -> None:
    env = {**os.environ, **timings}
    subprocess.run(
        ["scripts/stack/alertmanager.sh", "reload"], cwd=ROOT, env=env, check=True, timeout=60
    )


@pytest.fixture
def fast_alert_groups() -> Iterator[None]:
    _reload_alertmanager(ALERTMANAGER_GROUP_WAIT="1s", ALERTMANAGER_GROUP_INTERVAL="5s")
    try:
        yield
    finally:
        _reload_alertmanager()  # production timings


def _about(mail: dict[str, Any]) -> bool:
    return ALERT in mail["subject"] and COMPONENT in mail["subject"]


def _new_alert_mail(
    mailbox: Mailbox, seen: set[str], status: str, deadline: float
) -> dict[str, Any]:
    """The first e-mail to ops, not in `seen`, about ALERT on COMPONENT with `status` in its
    subject (Alertmanager's default: `[FIRING:1] TaskwireScrapeTargetDown (...)`)."""
    while True:
        found = [
            mail
            for mail in mailbox.mails_to(OPS)
            if mail["id"] not in seen and mail["subject"].startswith(f"[{status}") and _about(mail)
        ]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {status} e-mail about {ALERT} ({COMPONENT})"
        time.sleep(1)


def test_a_stopped_component_is_emailed_to_ops_and_so_is_its_recovery(
    mailbox: Mailbox, fast_alert_groups: None
) -> None:
    seen = {mail["id"] for mail in mailbox.mails_to(OPS)}
    stopped_at = time.monotonic()
    try:
        assert "stopped" in supervisorctl("stop", COMPONENT)
        firing = _new_alert_mail(mailbox, seen, "FIRING", stopped_at + FIRING_DEADLINE)
        fired_after = time.monotonic() - stopped_at
    finally:
        supervisorctl("start", COMPONENT)
    started_at = time.monotonic()
    seen.add(firing["id"])
    resolved = _new_alert_mail(mailbox, seen, "RESOLVED", started_at + RESOLVED_DEADLINE)
    resolved_after = time.monotonic() - started_at
    print(f"alert e-mail {fired_after:.0f} s after stop, resolved {resolved_after:.0f} s after")

    assert [a["address"] for a in firing["to"]] == [OPS]
    assert "alertmanager@taskwire.example" in firing["from"][0]["address"]
    # Deduplicated: one e-mail per state change of the group, not one per evaluation.
    repeats = [
        mail
        for mail in mailbox.mails_to(OPS)
        if mail["id"] not in seen | {resolved["id"]} and _about(mail)
    ]
    assert not repeats, [mail["subject"] for mail in repeats]
