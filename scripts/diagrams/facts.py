"""What the diagrams show, read from the files that run the system.

compose.yml gives the containers, their images, published ports, start order, health gates,
networks and volumes, and (from each service's environment) who calls whom on which port; the
gateway's nginx template gives its routes; observability/prometheus/targets/compose/ what
Prometheus scrapes; scripts/stack/supervisord.conf, stack.sh and env.sh the native stack's
programs, start phases, ports and readiness probes; which program writes and reads which
Kafka topic comes from the ACLs that scripts/stack/kafka/provision.py grants each principal.
"""

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yml"
GATEWAY_TEMPLATES = ROOT / "gateway" / "templates"
SCRAPE_TARGETS = ROOT / "observability" / "prometheus" / "targets" / "compose"
SUPERVISORD = ROOT / "scripts" / "stack" / "supervisord.conf"
STACK = ROOT / "scripts" / "stack" / "stack.sh"
ENV = ROOT / "scripts" / "stack" / "env.sh"


# Calls compose's environment implies but the program never makes; an entry that matches no
# call found is an error, so the list cannot go stale. (None now: each notification process is
# given only its own settings.)
NOT_CALLED: set[tuple[str, str, str]] = set()

# What a call is for, by the environment variable that names its target.
PURPOSES = (
    (re.compile(r"MIGRATIONS_DATABASE_URL$"), "migrations"),
    (re.compile(r"^RELAY_DATABASE_URL$"), "WAL stream, pgoutput"),
    (re.compile(r"DATABASE_URL$|^KC_DB_URL_HOST$"), "SQL"),
    (re.compile(r"^KEYCLOAK_JWKS_URL$"), "JWKS"),
    (re.compile(r"^KEYCLOAK_URL$"), "admin API, tokens"),
    (re.compile(r"^KEYCLOAK_BACKCHANNEL_LOGOUT_URL$"), "back-channel logout"),
    (re.compile(r"^SMTP_HOST$"), "SMTP"),
    (re.compile(r"^STATSD_HOST$"), "StatsD/UDP"),
    (re.compile(r"^KAFKA_BOOTSTRAP_SERVERS$"), "Kafka"),
    (re.compile(r"_UPSTREAM$"), "HTTP"),
)

STATIC = "static files"  # a gateway location that serves files itself (no proxy_pass)

DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")
ADDRESS = re.compile(r"(?:^|[/@])([a-z][\w-]*|\d+\.\d+\.\d+\.\d+):(\d+)(?:/(\w+))?")


def resolve(value: object) -> str:
    """A compose value with every `${VAR:-default}` replaced by its default."""
    return DEFAULTED.sub(lambda m: m.group(2), str(value))


@dataclass(frozen=True)
class Call:
    source: str
    target: str
    port: str
    purpose: str
    database: str | None = None


@dataclass(frozen=True)
class Port:
    host: str  # the published port, e.g. 8001
    container: str  # the port inside the container
    loopback: bool  # published on 127.0.0.1 only
    protocol: str = "tcp"


@dataclass
class Service:
    name: str
    image: str
    ports: list[Port] = field(default_factory=list)
    depends_on: dict[str, str] = field(default_factory=dict)  # service -> condition
    health: str | None = None  # the healthcheck's test, shortened
    one_shot: bool = False  # runs to completion (restart: "no")
    volumes: list[str] = field(default_factory=list)  # named volumes only
    address: str | None = None  # fixed IPv4 on the compose network
    environment: dict[str, str] = field(default_factory=dict)
    shares_network_of: str | None = None  # network_mode: service:<name>
    command: str = ""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    writers: tuple[str, ...]
    readers: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    paths: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class Program:
    name: str
    phase: str
    ports: tuple[str, ...]
    probe: str


@dataclass
class Facts:
    services: dict[str, Service]
    calls: list[Call]
    topics: list[Topic]
    routes: list[Route]
    monitoring: list[Call]
    subnet: str
    volumes: list[str]
    programs: list[Program]
    native_phases: list[str]
    native_steps: list[tuple[str, str]]


def load() -> Facts:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = {name: service(name, spec) for name, spec in compose["services"].items()}
    programs = native_programs(compose["services"])
    topics = kafka_topics(compose["services"], {p.name for p in programs})
    return Facts(
        services=services,
        calls=calls(services),
        topics=topics,
        routes=gateway_routes(services),
        monitoring=monitoring(services),
        subnet=resolve(compose["networks"]["default"]["ipam"]["config"][0]["subnet"]),
        volumes=sorted(compose.get("volumes") or {}),
        programs=programs,
        native_phases=native_phases(),
        native_steps=native_steps(),
    )


def service(name: str, spec: dict[str, Any]) -> Service:
    ports = []
    for entry in spec.get("ports", []):
        text = resolve(entry)
        protocol = "udp" if text.endswith("/udp") else "tcp"
        parts = text.removesuffix("/udp").split(":")
        loopback = len(parts) == 3 and parts[0] == "127.0.0.1"
        ports.append(Port(parts[-2], parts[-1], loopback, protocol))
    check = spec.get("healthcheck") or {}
    health = None if check.get("disable") or not check else shorten_check(check["test"])
    build = spec.get("build")
    if not check and isinstance(build, str):
        dockerfile = (ROOT / build / "Dockerfile").read_text(encoding="utf-8")
        if match := re.search(r"^HEALTHCHECK .*?CMD (.+)$", dockerfile, flags=re.M | re.S):
            health = shorten_check(match.group(1).replace('"', " ").strip("[] ").split())
    networks = spec.get("networks") or {}
    address = (networks.get("default") or {}).get("ipv4_address")
    volumes = [
        str(v).split(":")[0] for v in spec.get("volumes", []) if not str(v).startswith((".", "/"))
    ]
    depends = spec.get("depends_on") or {}
    if isinstance(depends, list):
        depends = {d: {"condition": "service_started"} for d in depends}
    return Service(
        name=name,
        image=str(spec.get("image", "(built)")),
        ports=ports,
        depends_on={d: c.get("condition", "service_started") for d, c in depends.items()},
        health=health,
        one_shot=str(spec.get("restart", "")) == "no",
        volumes=volumes,
        address=resolve(address) if address else None,
        environment={k: resolve(v) for k, v in (spec.get("environment") or {}).items()},
        shares_network_of=str(spec.get("network_mode", "")).removeprefix("service:") or None,
        command=" ".join(str(c) for c in spec.get("command") or []),
    )


def shorten_check(test: list[str] | str) -> str:
    """A healthcheck's test as a short label: the URL path or the tool it runs."""
    text = test if isinstance(test, str) else " ".join(test[1:])
    if match := re.search(r"(?:GET |https?://[^/\s]+)(/[\w/.-]*)", text):
        return match.group(1)
    if "/healthz" in text or "healthz" in text:
        return "/healthz"
    if "pg_isready" in text:
        return "pg_isready"
    if "/dev/tcp" in text:
        return "Kafka SASL handshake"
    return text.split()[0]


def purpose_of(variable: str) -> str | None:
    for pattern, purpose in PURPOSES:
        if pattern.search(variable):
            return purpose
    return None


def calls(services: dict[str, Service]) -> list[Call]:
    """Every call one container makes to another, from the addresses in its environment."""
    by_address = {s.address: s.name for s in services.values() if s.address}
    found: set[Call] = set()
    for source in services.values():
        env = source.environment
        for variable, value in env.items():
            purpose = purpose_of(variable)
            if purpose is None:
                continue
            if variable.endswith("_HOST") and value in services:
                port = env.get(variable.removesuffix("_HOST") + "_PORT", "")
                if variable == "KC_DB_URL_HOST":
                    port = "5432"
                database = env.get("KC_DB_URL_DATABASE") if variable == "KC_DB_URL_HOST" else None
                found.add(Call(source.name, value, port, purpose, database))
                continue
            for host, port, database in ADDRESS.findall(value):
                target = by_address.get(host, host)
                if target in services and target != source.name:
                    sql = purpose in ("SQL", "migrations", "WAL stream, pgoutput")
                    found.add(Call(source.name, target, port, purpose, database if sql else None))
    stale = NOT_CALLED - {(c.source, c.target, c.purpose) for c in found}
    if stale:
        raise SystemExit(
            f"NOT_CALLED in {Path(__file__).relative_to(ROOT)} matches no call: {stale}"
        )
    found = {c for c in found if (c.source, c.target, c.purpose) not in NOT_CALLED}
    return sorted(found, key=lambda c: (c.source, c.target, c.purpose))


def kafka_topics(specs: dict[str, Any], programs: set[str]) -> list[Topic]:
    """The topics the stack creates (scripts/stack/kafka/provision.py, run by `kafka.sh init`
    and by compose's kafka-init), each with who writes and reads it."""
    assert specs["kafka-init"]["command"][-1].endswith("/provision.py")
    path = ROOT / "scripts/stack/kafka/provision.py"
    spec = importlib.util.spec_from_file_location("kafka_provision", path)
    assert spec is not None
    assert spec.loader is not None
    provision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(provision)
    topics = []
    for topic in provision.TOPICS:
        writers, readers = [], []
        for principal, grants in provision.PRINCIPALS.items():
            for grant in grants:
                if grant.resource_type != provision.TOPIC or grant.name != topic.name:
                    continue
                if provision.WRITE in grant.operations:
                    writers += programs_of(principal, programs, set(provision.PRINCIPALS))
                if provision.READ in grant.operations:
                    readers += programs_of(principal, programs, set(provision.PRINCIPALS))
        topics.append(Topic(topic.name, topic.num_partitions, tuple(writers), tuple(readers)))
    return topics


def programs_of(principal: str, programs: set[str], principals: set[str]) -> list[str]:
    """The programs that log in to Kafka as a principal: the program of that name, or the
    programs named after it (relay: relay and relay-standby); else the principal itself, a
    tool run by hand (notification-replay)."""
    if principal in programs:
        named = [p for p in sorted(programs) if p.startswith(principal + "-")]
        return [principal, *[p for p in named if p not in principals]]
    return [principal]


def gateway_routes(services: dict[str, Service]) -> list[Route]:
    """The gateway's proxied locations, each resolved to the service it reaches."""
    env = services["gateway"].environment
    by_address = {s.address: s.name for s in services.values() if s.address}
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(GATEWAY_TEMPLATES.glob("*")))
    variables = dict(re.findall(r"set \$(\w+)\s+https?://\$\{(\w+)\};", text))
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*server \$\{(\w+)\};", text))
    paths: dict[str, list[str]] = {}
    for pattern, body in re.findall(r"location ([^{]+)\{([^}]*)\}", text):
        target = re.search(r"proxy_pass (?:https?://)?(\$?\w+)", body)
        if not target:
            if re.search(r"^\s*(root|alias|try_files)\s", body, flags=re.M):
                paths.setdefault(STATIC, []).extend(location_paths(pattern.strip()))
            continue
        name = target.group(1)
        variable = variables.get(name[1:]) if name.startswith("$") else upstreams.get(name)
        if variable is None:
            continue
        host = env[variable].split(":")[0]
        service_name = by_address.get(host, host)
        for path in location_paths(pattern.strip()):
            if not path.startswith("/healthz"):
                paths.setdefault(service_name, []).append(path)
    return [Route(tuple(p), target) for target, p in paths.items()]


def location_paths(pattern: str) -> list[str]:
    """`~ ^/(tasks|admin)(/|$)` -> ['/tasks', '/admin']; `= /openapi.json` -> ['/openapi.json']."""
    modifier, _, rest = pattern.partition(" ")
    if modifier not in ("~", "~*", "=", "^~"):
        return [pattern]
    rest = rest.strip().removeprefix("^").replace("(/|$)", "").replace("$", "")
    if match := re.fullmatch(r"(/[\w/.-]*)\(([\w|.-]+)\)(.*)", rest):
        return [match.group(1) + alt + match.group(3) for alt in match.group(2).split("|")]
    return [rest]


def monitoring(services: dict[str, Service]) -> list[Call]:
    """Prometheus' scrapes and alert deliveries, Alertmanager's e-mail, Grafana's data sources."""
    observability = ROOT / "observability"
    prometheus = yaml.safe_load((observability / "prometheus/prometheus.yml").read_text())
    alerting = {
        Path(f).name
        for am in prometheus.get("alerting", {}).get("alertmanagers", [])
        for sd in am.get("file_sd_configs", [])
        for f in sd.get("files", [])
    }
    found = []
    for path in sorted(SCRAPE_TARGETS.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for target in group.get("targets", []):
                host, port = target.rsplit(":", 1)
                host = network_neighbour(services, host, port)
                if host in services and host != "prometheus":
                    found.append(Call("prometheus", host, port, "scrape"))
                    if path.name in alerting:
                        found.append(Call("prometheus", host, port, "alerts"))
    alertmanager = yaml.safe_load((observability / "alertmanager/alertmanager.yml").read_text())
    smarthost = alertmanager.get("global", {}).get("smtp_smarthost", "")
    if ":" in smarthost:
        host, port = smarthost.rsplit(":", 1)
        found.append(Call("alertmanager", host, port, "e-mail alerts"))
    for path in sorted((observability / "grafana/provisioning/datasources").glob("*.yml")):
        for source in yaml.safe_load(path.read_text()).get("datasources", []):
            for host, port, _ in ADDRESS.findall(source.get("url", "")):
                if host in services:
                    found.append(Call("grafana", host, port, "queries"))
    return found


def network_neighbour(services: dict[str, Service], host: str, port: str) -> str:
    """The service that listens on host:port: host itself, or a container sharing its network
    namespace whose command names the port (nginx-exporter beside the gateway)."""
    for service in services.values():
        if service.shares_network_of == host and f":{port}" in service.command:
            return service.name
    return host


def shell_array(text: str, name: str) -> list[str]:
    match = re.search(rf"^{name}=\(([^)]*)\)", text, flags=re.M)
    if not match:
        return []
    items: list[str] = []
    for word in match.group(1).split():
        if ref := re.fullmatch(r'"\$\{(\w+)\[@\]\}"', word):
            items += shell_array(text, ref.group(1))
        else:
            items.append(word)
    return items


def native_phases() -> list[str]:
    """stack.sh's start phases in order: the arrays ALL is made of."""
    stack = STACK.read_text(encoding="utf-8")
    match = re.search(r"^ALL=\(([^)]*)\)", stack, flags=re.M)
    return re.findall(r'"\$\{(\w+)\[@\]\}"', match.group(1)) if match else []


def native_programs(specs: dict[str, Any]) -> list[Program]:
    conf = SUPERVISORD.read_text(encoding="utf-8")
    stack = STACK.read_text(encoding="utf-8")
    env = ENV.read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^(?:export )?(\w+)=\$\{\w+:-([^}]+)\}", env, flags=re.M))
    probes = dict(re.findall(r'^\s+([\w-]+)\) http_ready "\$(\w+)"', stack, flags=re.M))
    phases = {name: phase for phase in native_phases() for name in shell_array(stack, phase)}
    programs = []
    for name in re.findall(r"^\[program:([\w-]+)\]", conf, flags=re.M):
        variables = compose_port_variables(specs.get(name) or {})
        if name in probes:
            variables = [probes[name]]
        ports = tuple(defaults.get(v, v) for v in variables)
        probe = "GET /readyz" if name in probes else f"{name}.sh ready"
        programs.append(Program(name, phases.get(name, "-"), ports, probe))
    return programs


def compose_port_variables(spec: dict[str, Any]) -> list[str]:
    """The env.sh variables a compose service publishes its ports under, e.g. mailsink ->
    SMTP_PORT, MAIL_HTTP_PORT (compose and the native stack share them)."""
    found: list[str] = []
    for entry in spec.get("ports", []):
        found += re.findall(r"\$\{(\w+):-", str(entry).rsplit(":", 1)[0])
    return list(dict.fromkeys(found))


def native_steps() -> list[tuple[str, str]]:
    """The provisioning steps `make up` runs, each with the phase it waits for, in order."""
    stack = STACK.read_text(encoding="utf-8")
    body = stack[stack.index("\nup() {") : stack.index("\n}\n", stack.index("\nup() {"))]
    steps = []
    package, phase = "?", "INFRA"
    for line in body.splitlines():
        if "starting ${BACKING" in line:
            phase = "BACKING"
        elif "starting ${SERVICES" in line:
            phase = "SERVICES"
        if where := re.search(r'TASKWIRE_ROOT/([\w-]+)"', line):
            package = where.group(1)
        if 'postgres.sh" init' in line:
            steps.append((phase, "postgres.sh init: roles, databases"))
        elif "alembic" in line and "upgrade head" in line:
            steps.append((phase, f"alembic upgrade head ({package})"))
        elif 'kafka.sh" init' in line:
            steps.append(("kafka", "kafka.sh init: topics"))
    return steps
