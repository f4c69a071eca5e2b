"""The architecture diagrams: requests and identity, events, monitoring. Every process, topic and
database of the stack appears in at least one, each with its port; every edge is a call found in
the configuration (facts.py)."""

from facts import STATIC, Call, Facts, Topic
from mermaid import block, label, node_id, ports

# The calls drawn as their own edges (Kafka is drawn through its topics, StatsD in monitoring).
REQUEST_PURPOSES = {"HTTP", "SQL", "JWKS", "admin API, tokens", "back-channel logout"}
EVENT_PURPOSES = {"SQL", "WAL stream, pgoutput", "SMTP", "admin API, tokens", "JWKS"}


def process_node(facts: Facts, name: str) -> str:
    program = next((p for p in facts.programs if p.name == name), None)
    service = facts.services.get(name)
    if service is None and program is None:  # a tool run by hand, with its own Kafka principal
        return f"  {node_id(name)}[/{label(name, 'run by hand')}/]"
    where = "" if program else "compose only"
    port_list = (
        program.ports if program else tuple(p.host for p in service.ports) if service else ()
    )
    return f"  {node_id(name)}[{label(name, ports(port_list), where)}]"


def database_nodes(facts: Facts, databases: set[str]) -> list[str]:
    postgres = next(p for p in facts.programs if p.name == "postgres")
    lines = [f"  subgraph {node_id('postgres')}[{label('postgres ' + ports(postgres.ports))}]"]
    lines += [f"    {node_id('db_' + d)}[({label(d)})]" for d in sorted(databases)]
    return [*lines, "  end"]


def topic_nodes(facts: Facts, topics: list[str]) -> list[str]:
    kafka = next(p for p in facts.programs if p.name == "kafka")
    lines = [f"  subgraph {node_id('kafka')}[{label('kafka ' + ports(kafka.ports))}]"]
    for topic in facts.topics:
        if topic.name in topics:
            text = label(topic.name, f"{topic.partitions} partition(s)")
            lines.append(f"    {node_id('topic_' + topic.name)}[[{text}]]")
    return [*lines, "  end"]


def edge(call: Call) -> str:
    target = node_id("db_" + call.database) if call.database else node_id(call.target)
    if call.purpose == "WAL stream, pgoutput":  # the data flows from the database to the relay
        return f"  {target} -->|{label(call.purpose)}| {node_id(call.source)}"
    arrow = "-.->" if call.purpose in ("JWKS", "StatsD/UDP", "scrape") else "-->"
    return f"  {node_id(call.source)} {arrow}|{label(call.purpose)}| {target}"


def request_side(facts: Facts) -> set[str]:
    return {"gateway", "keycloak"} | {r.target for r in facts.routes if r.target != STATIC}


def requests(facts: Facts) -> str:
    """client -> gateway -> APIs -> Keycloak and their databases, and the revocations topic."""
    side = request_side(facts)
    calls = [c for c in facts.calls if c.source in side and c.purpose in REQUEST_PURPOSES]
    calls = [c for c in calls if c.purpose != "HTTP"]  # the gateway's are drawn as routes
    topics = [t for t in facts.topics if set(t.writers) <= side]
    processes = sorted(side)
    lines = ["flowchart LR", "  client([browser, Postman, curl])"]
    lines += [process_node(facts, name) for name in processes]
    lines += database_nodes(facts, {c.database for c in calls if c.database})
    lines += topic_nodes(facts, [t.name for t in topics])
    for route in facts.routes:
        if route.target == STATIC:
            lines.append(f"  {node_id(STATIC)}[/{label('static files, served by the gateway')}/]")
        paths = label(" ".join(route.paths))
        lines.append(f"  {node_id('gateway')} -->|{paths}| {node_id(route.target)}")
    lines.insert(2 + len(processes), f"  client --> {node_id('gateway')}")
    lines += [edge(c) for c in calls]
    lines += topic_edges(topics)
    return block(lines)


def topic_edges(topics: list[Topic]) -> list[str]:
    lines = []
    for topic in topics:
        tid = node_id("topic_" + topic.name)
        lines += [f"  {node_id(w)} -->|publish| {tid}" for w in topic.writers]
        lines += [f"  {tid} -->|consume| {node_id(r)}" for r in topic.readers]
    return lines


def events(facts: Facts) -> str:
    """The outbox's path: task-api's transaction, the WAL, the relays, Kafka, the worker; and
    every other background process with what it calls."""
    side = request_side(facts)
    workers = background(facts)
    topics = [t for t in facts.topics if not set(t.writers) <= side]
    wal = wal_databases(facts)
    calls = [
        c
        for c in facts.calls
        if c.purpose in EVENT_PURPOSES
        and (c.source in workers or (c.purpose == "SQL" and c.database in wal))
    ]
    members = {m for t in topics for m in t.writers + t.readers}
    targets = {c.target for c in calls if not c.database}
    processes = sorted((workers | members | targets | {c.source for c in calls}) - INFRASTRUCTURE)
    lines = ["flowchart LR"]
    lines += [process_node(facts, name) for name in processes]
    lines += [process_node(facts, name) for name in sorted(targets & INFRASTRUCTURE - {"kafka"})]
    lines += database_nodes(facts, {c.database for c in calls if c.database})
    lines += topic_nodes(facts, [t.name for t in topics])
    lines += [edge(c) for c in calls]
    lines += topic_edges(topics)
    return block(lines)


INFRASTRUCTURE = {"postgres", "kafka", "mailsink"}


def monitoring_side(facts: Facts) -> set[str]:
    names = {c.target for c in facts.calls if c.purpose == "StatsD/UDP"}
    names |= {c.source for c in facts.monitoring} | {c.target for c in facts.monitoring}
    return names - INFRASTRUCTURE


def background(facts: Facts) -> set[str]:
    """Long-running processes that serve no route: relays, workers, schedulers."""
    running = {s.name for s in facts.services.values() if not s.one_shot}
    return running - request_side(facts) - INFRASTRUCTURE - monitoring_side(facts)


def wal_databases(facts: Facts) -> set[str | None]:
    return {c.database for c in facts.calls if c.purpose == "WAL stream, pgoutput"}


def monitoring(facts: Facts) -> str:
    """Who sends StatsD, what Prometheus scrapes, where alerts go."""
    statsd = [c for c in facts.calls if c.purpose == "StatsD/UDP"]
    names = sorted(
        {c.source for c in statsd}
        | {c.target for c in statsd}
        | {c.source for c in facts.monitoring}
        | {c.target for c in facts.monitoring}
    )
    senders = sorted({c.source for c in statsd})
    lines = ["flowchart LR", f"  subgraph senders[{label('StatsD senders')}]", "    direction TB"]
    lines += ["  " + process_node(facts, name) for name in senders]
    lines += ["  end"]
    lines += [process_node(facts, name) for name in names if name not in senders]
    lines.append(f"  senders -.->|{label('StatsD/UDP')}| {node_id('statsd-exporter')}")
    lines += [edge(c) for c in facts.monitoring]
    return block(lines)


def undrawn(facts: Facts, drawn: str) -> list[str]:
    """Running services that no architecture diagram shows (the generator refuses them)."""
    return [
        s.name
        for s in facts.services.values()
        if not s.one_shot and node_id(s.name) + "[" not in drawn
    ]
