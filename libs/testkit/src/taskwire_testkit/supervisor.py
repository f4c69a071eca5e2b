"""supervisorctl of the native stack, for the fault tests that stop, kill and start its parts."""

import os
import subprocess
from pathlib import Path

# The workspace this package is installed from (editable, as `uv sync` installs it).
ROOT = Path(os.environ.get("TASKWIRE_ROOT", Path(__file__).resolve().parents[4]))


def supervisorctl(*args: str) -> str:
    """Run supervisorctl with the stack's configuration; its output (it reports failures there)."""
    # env.sh exports the paths supervisord.conf is written in terms of.
    script = (
        "source scripts/stack/env.sh && "
        'exec .venv/bin/supervisorctl -c scripts/stack/supervisord.conf "$@"'
    )
    done = subprocess.run(
        ["bash", "-c", script, "supervisorctl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    return done.stdout.strip()
