"""Prints the largest functions and source files of the Python packages (docs/code-shape.md)."""

import ast
import sys
from pathlib import Path

ROOTS = ("libs", "task-api", "user-facade", "notification-consumer")


def source_files(root: Path) -> list[Path]:
    return sorted(p for r in ROOTS for p in (root / r).glob("**/src/**/*.py"))


def functions(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            found.append((length, f"{path}:{node.lineno} {node.name}"))
    return found


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    files = source_files(root)
    sizes = sorted(
        ((len(p.read_text().splitlines()), str(p.relative_to(root))) for p in files), reverse=True
    )
    funcs = sorted((f for p in files for f in functions(p)), reverse=True)
    print("largest functions (lines):")
    for length, name in funcs[:top]:
        print(f"  {length:4d} {name.removeprefix(str(root) + '/')}")
    print("largest files (lines):")
    for length, name in sizes[:top]:
        print(f"  {length:4d} {name}")


if __name__ == "__main__":
    main()
