"""The docs describe the system that runs: every supervised program is in the architecture
table, and every make target the README names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_supervised_program_is_in_the_architecture_table() -> None:
    conf = (ROOT / "scripts/stack/supervisord.conf").read_text()
    programs = re.findall(r"^\[program:([\w-]+)\]", conf, flags=re.M)
    table = (ROOT / "docs/architecture.md").read_text()
    documented = set(re.findall(r"^\| `([\w-]+)` \|", table, flags=re.M))
    assert programs, "no programs found in supervisord.conf"
    assert set(programs) == documented


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z0-9-]+):", makefile, flags=re.M))
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"\bmake ([a-z0-9-]+)", readme))
    assert {"up", "test"} <= named
    assert named <= targets, named - targets


def test_every_relative_link_of_the_docs_points_at_a_file_of_the_repository() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:|#", target):
                continue  # a URL or an anchor of the same page
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not (path.is_relative_to(ROOT) and path.exists()):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []
