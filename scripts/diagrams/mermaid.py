"""Small helpers to write Mermaid flowcharts: node ids, quoted labels, fenced blocks."""

import re


def node_id(name: str) -> str:
    return "n_" + re.sub(r"\W", "_", name)


def label(*lines: str) -> str:
    text = "<br/>".join(line.replace('"', "'") for line in lines if line)
    return f'"{text}"'


def block(lines: list[str]) -> str:
    return "```mermaid\n" + "\n".join(lines) + "\n```\n"


def ports(values: tuple[str, ...] | list[str]) -> str:
    return " ".join(f":{p}" for p in values)
