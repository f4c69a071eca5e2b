"""The deployment diagrams: compose's start order and health gates, its network, volumes and
ports; the native stack's supervised programs in their start phases; and both side by side."""

import itertools

from facts import Facts, Service
from mermaid import block, label, node_id, ports

CONDITIONS = {
    "service_healthy": "healthy",
    "service_completed_successfully": "completed",
    "service_started": "started",
}


def published(service: Service) -> str:
    shown = []
    for port in service.ports:
        where = "127.0.0.1:" if port.loopback else ":"
        udp = "/udp" if port.protocol == "udp" else ""
        inside = "" if port.host == port.container else f"→{port.container}"
        shown.append(f"{where}{port.host}{inside}{udp}")
    return " ".join(shown)


def container_node(service: Service) -> str:
    waits = [f"{d} {CONDITIONS.get(c, c)}" for d, c in sorted(service.depends_on.items())]
    lines = [f"<b>{service.name}</b>", published(service)]
    lines.append(f"health {service.health}" if service.health else "")
    lines.append("one-shot job" if service.one_shot else "")
    lines += [f"after {w}" for w in waits]
    shape = ("([", "])") if service.one_shot else ("[", "]")
    return f"  {node_id(service.name)}{shape[0]}{label(*lines)}{shape[1]}"


def layers(facts: Facts) -> list[list[str]]:
    """The services by start order: each layer depends only on earlier ones."""
    placed: dict[str, int] = {}
    remaining = dict(facts.services)
    while remaining:
        ready = [n for n, s in remaining.items() if set(s.depends_on) <= set(placed)]
        if not ready:
            raise SystemExit(f"compose depends_on has a cycle among {sorted(remaining)}")
        for name in ready:
            deps = remaining.pop(name).depends_on
            placed[name] = 1 + max((placed[d] for d in deps), default=-1)
    count = max(placed.values()) + 1
    return [sorted(n for n, level in placed.items() if level == i) for i in range(count)]


ROW = 2  # a start step's containers are laid out in ROW rows
PER_DIAGRAM = 10  # containers per start-order diagram: more start a new one


def start_order(facts: Facts) -> list[str]:
    """Compose: the start steps that `depends_on` makes, at most PER_DIAGRAM containers per
    diagram; each container says what it waits for (a dependency healthy, a one-shot job
    completed, or merely started)."""
    steps = list(enumerate(layers(facts)))
    groups: list[list[tuple[int, list[str]]]] = [[]]
    for step in steps:
        if groups[-1] and sum(len(s) for _, s in groups[-1]) + len(step[1]) > PER_DIAGRAM:
            groups.append([])
        groups[-1].append(step)
    blocks = []
    for group in groups:
        lines = ["flowchart LR"]
        for index, layer in group:
            lines.append(f"  subgraph step{index}[{label(f'step {index + 1}')}]")
            lines += ["  " + container_node(facts.services[name]) for name in layer]
            lines += [
                f"    {node_id(layer[i])} ~~~ {node_id(layer[i + ROW])}"
                for i in range(len(layer) - ROW)
            ]
            lines.append("  end")
        indexes = [index for index, _ in group]
        lines += [f"  step{a} --> step{b}" for a, b in itertools.pairwise(indexes)]
        blocks.append(block(lines))
    return blocks


def storage(facts: Facts) -> str:
    """Compose: the network with its fixed addresses, the named volumes and who mounts them."""
    lines = ["flowchart TB", f"  subgraph net[{label('network default ' + facts.subnet)}]"]
    for service in facts.services.values():
        if service.address or service.volumes:
            address = f"fixed IP {service.address}" if service.address else ""
            lines.append(f"    {node_id(service.name)}[{label(service.name, address)}]")
    others = [s.name for s in facts.services.values() if not (s.address or s.volumes)]
    lines.append(f"    others[{label('and ' + ', '.join(others))}]")
    lines += ["  end", f"  subgraph vols[{label('named volumes')}]"]
    lines += [f"    {node_id('vol_' + v)}[({label(v)})]" for v in facts.volumes]
    lines.append("  end")
    for service in facts.services.values():
        lines += [f"  {node_id(service.name)} --- {node_id('vol_' + v)}" for v in service.volumes]
    return block(lines)


def native(facts: Facts) -> str:
    """The native stack: supervisord's programs in `make up`'s start phases, with each phase's
    readiness gate and the provisioning steps between them."""
    phases = facts.native_phases
    lines = [
        "flowchart TB",
        f"  subgraph sv[{label('supervisord (scripts/stack/supervisord.conf)')}]",
    ]
    for phase in phases:
        lines += [f"    subgraph {phase}[{label('phase ' + phase)}]", "      direction LR"]
        for program in facts.programs:
            if program.phase == phase:
                text = label(program.name, ports(program.ports), program.probe)
                lines.append(f"      {node_id('p_' + program.name)}[{text}]")
        lines.append("    end")
    lines.append("  end")
    after_infra = [text for phase, text in facts.native_steps if phase == "INFRA"]
    after_kafka = [text for phase, text in facts.native_steps if phase == "kafka"]
    lines.append(f"  provision[/{label(*after_infra)}/]")
    first, second = phases[0], phases[1]
    lines.append(f"  {first} -->|{label('ready')}| provision -->|{label('done')}| {second}")
    lines += [f"  {a} -->|{label('all ready')}| {b}" for a, b in itertools.pairwise(phases[1:])]
    if after_kafka:
        lines.append(f"  topics[/{label(*after_kafka)}/]")
        lines.append(f"  {node_id('p_kafka')} -->|{label('ready')}| topics --> SERVICES")
    return block(lines)


def side_by_side(facts: Facts) -> str:
    """One row per component: how compose runs it and how the native stack does."""
    programs = {p.name: p for p in facts.programs}
    rows = [
        "| component | compose: image | compose: published | compose: health gate "
        "| native: start phase | native: port(s) | native: readiness |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = list(dict.fromkeys([*facts.services, *programs]))
    for name in names:
        service = facts.services.get(name)
        program = programs.get(name)
        compose = (
            (f"`{service.image}`", published(service) or "-", service.health or "-")
            if service
            else ("not in compose", "-", "-")
        )
        if program:
            native_cells = (program.phase, ports(program.ports), f"`{program.probe}`")
        elif service and service.one_shot:
            native_cells = ("`make up` step", "-", "-")
        else:
            native_cells = ("compose only", "-", "-")
        rows.append(f"| `{name}` | " + " | ".join(compose + native_cells) + " |")
    return "\n".join(rows) + "\n"
