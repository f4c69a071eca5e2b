"""The Postman collection keeps every assertion inside a `pm.test`, so newman counts each one and
a failing one fails the run rather than aborting a script."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "postman" / "taskwire.postman_collection.json"
ASSERTION = re.compile(r"pm\.expect\(|pm\.response\.to\.")


def scripts(node: dict[str, object], where: str) -> Iterator[tuple[str, str]]:
    for event in node.get("event", []):  # type: ignore[attr-defined]
        yield f"{where} ({event['listen']})", "\n".join(event["script"]["exec"])
    for item in node.get("item", []):  # type: ignore[attr-defined]
        yield from scripts(item, f"{where} / {item['name']}")


def pm_test_spans(script: str) -> list[tuple[int, int]]:
    """Where each `pm.test(` call starts and its closing parenthesis ends."""
    spans = []
    for match in re.finditer(r"pm\.test\(", script):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(script)):
            depth += {"(": 1, ")": -1}.get(script[end], 0)
            if depth == 0:
                break
        spans.append((match.start(), end))
    return spans


def test_every_assertion_of_the_collection_is_inside_a_pm_test() -> None:
    collection = json.loads(COLLECTION.read_text(encoding="utf-8"))
    outside, counted = [], 0
    for where, script in scripts(collection, "collection"):
        spans = pm_test_spans(script)
        for match in ASSERTION.finditer(script):
            counted += 1
            if not any(start < match.start() < end for start, end in spans):
                line = script.count("\n", 0, match.start()) + 1
                outside.append(f"{where}, line {line}")
    assert counted > 50, "the collection's assertions were not found"
    assert outside == []
