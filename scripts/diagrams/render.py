"""Render every Mermaid diagram of README.md and docs/*.md with the Mermaid CLI (`make diagrams`).

All diagrams go into one Markdown file, so one `mmdc` process (one headless Debian chromium,
scripts/diagrams/puppeteer-config.json) renders them all; a diagram that does not parse or lay
out fails the run, named by its file and line. `--out DIR` keeps the SVGs (default: a temporary
directory).
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MMDC = HERE / "node_modules" / ".bin" / "mmdc"
CONFIG = HERE / "puppeteer-config.json"
FENCE = re.compile(r"^```mermaid\n(.*?)^```$", flags=re.M | re.S)
TIMEOUT = 900  # seconds for all diagrams together, on a loaded machine


def diagrams() -> list[tuple[str, str]]:
    """(file:line, definition) of every Mermaid block, in a stable order."""
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{page.relative_to(ROOT)}:{line}", match.group(1)))
    return found


def render(out: Path) -> int:
    found = diagrams()
    if not found:
        print("no Mermaid diagrams found", file=sys.stderr)
        return 1
    bundle = out / "diagrams.md"
    bundle.write_text(
        "".join(f"## {where}\n\n```mermaid\n{text}```\n\n" for where, text in found),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            str(MMDC),
            "--quiet",
            "-p",
            str(CONFIG),
            "-i",
            str(bundle),
            "-o",
            str(out / "rendered.md"),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    # mmdc names the SVG of the n-th diagram rendered-n.svg.
    missing = [
        where
        for n, (where, _) in enumerate(found, start=1)
        if "<svg" not in read(out / f"rendered-{n}.svg")
    ]
    if result.returncode != 0 or missing:
        print(result.stdout + result.stderr, file=sys.stderr)
        print(f"not rendered: {', '.join(missing) or '(mmdc failed)'}", file=sys.stderr)
        return 1
    print(f"rendered {len(found)} Mermaid diagrams into {out}")
    return 0


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the SVGs in this directory")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        return render(args.out)
    with tempfile.TemporaryDirectory(prefix="taskwire-diagrams-") as out:
        return render(Path(out))


if __name__ == "__main__":
    sys.exit(main())
