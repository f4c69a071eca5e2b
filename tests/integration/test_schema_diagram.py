"""docs/schema.md is what scripts/schema_diagram.py reads from the migrated databases now."""

import difflib
import os
import subprocess
import sys
from pathlib import Path

from taskwire_testkit import Stack

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "schema_diagram.py"
COMMITTED = ROOT / "docs" / "schema.md"


def test_the_committed_schema_diagram_matches_the_migrated_databases(stack: Stack) -> None:
    # The stack has run `alembic upgrade head` on both databases; the script reads their catalog.
    environment = {**os.environ, "PG_HOST": stack.host, "PG_PORT": str(stack.pg_port)}
    generated = subprocess.run(
        [sys.executable, str(SCRIPT), "--stdout"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "erDiagram" in generated
    assert "## Database `tasks`" in generated
    assert "## Database `notifications`" in generated
    committed = COMMITTED.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            generated.splitlines(keepends=True),
            "docs/schema.md (committed)",
            "migrated databases (now)",
        )
    )
    assert not diff, (
        "docs/schema.md is stale: run the migrations (make up), then regenerate it with\n"
        "  uv run --frozen --all-packages python scripts/schema_diagram.py\n" + diff
    )
