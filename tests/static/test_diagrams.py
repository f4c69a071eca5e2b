"""The committed architecture and deployment diagrams are what scripts/diagrams/generate.py makes
of compose.yml, supervisord.conf, stack.sh, env.sh, the gateway's routes and the monitoring
configuration now."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_diagrams_match_what_the_configuration_generates() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/diagrams/generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_page_the_generator_fills_shows_the_three_architecture_views() -> None:
    for page in ("README.md", "docs/architecture.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        for heading in ("### Requests and identity", "### Events", "### Monitoring"):
            assert heading in text, f"{page} lacks {heading}"
    deployment = (ROOT / "docs/deployment.md").read_text(encoding="utf-8")
    assert deployment.count("```mermaid") >= 4
