"""compose.yml and the service images stay honest where no Docker engine runs: pinned images,
files that exist, health-gated dependencies, the contract's ports, and the same programs with
the same command lines, settings and start order as the native stack."""

import configparser
import importlib.util
import ipaddress
import json
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from taskwire_events.kafka_clients import dev_password, password_variable

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
CONTRACT_PORTS = {
    "gateway": [8080],
    "keycloak": [8180],
    "mailsink": [1025, 8025],
    "prometheus": [9090],
    "alertmanager": [9093],
    "grafana": [3000],
}
# Where the service images put the repository: TASKWIRE_ROOT of supervisord.conf.
IMAGE_ROOT = "/app"
NATIVE_ROOT = "%(ENV_TASKWIRE_ROOT)s"
NATIVE_VENV_BIN = f"{NATIVE_ROOT}/.venv/bin/"
PRUNED = {".git", ".venv", ".state", "node_modules"}


def _default_host_port(mapping: str) -> int:
    host = mapping.split(":")[0] if mapping.count(":") == 1 else mapping.rsplit(":", 1)[0]
    match = re.fullmatch(r"\$\{\w+:-(\d+)\}", host)
    return int(match.group(1) if match else host)


def _default(value: str) -> str:
    """The default of a `${VAR:-default}` interpolation."""
    return _search(r"^\$\{\w+:-([^}]+)\}$", value).group(1)


def _native_ports() -> dict[str, str]:
    env = (ROOT / "scripts/stack/env.sh").read_text()
    return dict(re.findall(r"export (\w+_PORT)=\$\{\w+:-(\d+)\}", env))


def _programs() -> dict[str, dict[str, str]]:
    conf = configparser.RawConfigParser(strict=True)
    conf.read_string((ROOT / "scripts/stack/supervisord.conf").read_text())
    return {
        section.removeprefix("program:"): dict(conf[section])
        for section in conf.sections()
        if section.startswith("program:")
    }


def _python_programs() -> dict[str, dict[str, str]]:
    """The programs run from the workspace's virtualenv: the ones the service images carry."""
    return {
        name: program
        for name, program in _programs().items()
        if program["command"].startswith(NATIVE_VENV_BIN)
    }


def _program_environment(program: dict[str, str]) -> dict[str, str]:
    pairs = re.findall(r'(\w+)="([^"]*)"', program.get("environment", ""))
    ports = _native_ports()
    return {
        name: re.sub(r"%\(ENV_(\w+)\)s", lambda m: ports[m.group(1)], value)
        for name, value in pairs
    }


def _dockerfiles() -> list[Path]:
    """Every Dockerfile of the repository, found as scripts/config-check.sh finds them."""
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in PRUNED]
        found += [Path(directory, f) for f in files if f == "Dockerfile"]
    return sorted(found)


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in dockerfile.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (keyword.upper(), arguments.strip())
        for keyword, arguments in (line.split(None, 1) for line in joined.splitlines())
    ]


def _arguments(dockerfile: Path, keyword: str) -> list[str]:
    return [arguments for each, arguments in _instructions(dockerfile) if each == keyword]


def _search(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found"
    return match


def _build(service: dict[str, Any]) -> tuple[Path, Path] | None:
    """(context, Dockerfile) of a service built here, None for a pulled image."""
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = ROOT / build["context"]
    return context, context / build.get("dockerfile", "Dockerfile")


def _builder_of(image: str) -> str | None:
    """The service that builds this image here (one, checked below), None for a pulled image."""
    builders = [n for n, s in SERVICES.items() if s["image"] == image and "build" in s]
    return builders[0] if builders else None


def _image_build(name: str) -> tuple[Path, Path] | None:
    """(context, Dockerfile) of the image this service runs, if it is built here."""
    builder = _builder_of(SERVICES[name]["image"])
    return _build(SERVICES[builder]) if builder else None


def _dockerfile_of(name: str) -> Path:
    build = _image_build(name)
    assert build, f"{name} does not run an image built from a Dockerfile of this repository"
    return build[1]


def _working_dir(name: str) -> str:
    workdirs = _arguments(_dockerfile_of(name), "WORKDIR")
    return str(SERVICES[name].get("working_dir") or workdirs[-1])


def _environment(name: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[name].get("environment", {}).items()}


def _waits_for(name: str, dependency: str, condition: str) -> bool:
    rule = SERVICES[name].get("depends_on", {}).get(dependency)
    return rule is not None and rule["condition"] == condition


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned_to_a_version(name: str) -> None:
    image = SERVICES[name]["image"]
    tag = image.rsplit(":", 1)[-1] if ":" in image else ""
    assert tag, f"{name}: {image} has no tag"
    assert tag != "latest"
    assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"


@pytest.mark.parametrize("dockerfile", _dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_dockerfile_pins_the_images_it_starts_from(dockerfile: Path) -> None:
    stages = set()  # `FROM image AS stage`: a later `COPY --from=stage` names no image
    for keyword, arguments in _instructions(dockerfile):
        images = []
        if keyword == "FROM":
            images.append(arguments.split()[0])
            stages.update(re.findall(r"(?i)\bAS\s+(\S+)", arguments))
        elif keyword == "COPY" and "--from=" in arguments:
            source = _search(r"--from=(\S+)", arguments).group(1)
            images += [] if source in stages else [source]
        for image in images:
            tag = image.rsplit(":", 1)[-1] if ":" in image else ""
            assert re.fullmatch(r"v?\d+\.\d+\.\d+(-[\w.-]+)?", tag), f"{image}: not exact"


@pytest.mark.parametrize("dockerfile", _dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_image_runs_as_a_user_other_than_root(dockerfile: Path) -> None:
    users = _arguments(dockerfile, "USER")
    assert users, f"{dockerfile} has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_the_images_install_with_the_uv_of_the_native_stack() -> None:
    prereqs = (ROOT / "scripts/stack/prereqs.sh").read_text()
    version = _search(r"UV_VERSION=\$\{UV_VERSION:-([\d.]+)\}", prereqs).group(1)
    for program in _python_programs():
        copies = _arguments(_dockerfile_of(program), "COPY")
        assert any(f"ghcr.io/astral-sh/uv:{version} " in args for args in copies), program


def _package_of(name: str) -> Path | None:
    """The Python package whose Dockerfile builds this service's image, if any."""
    build = _image_build(name)
    return build[1].parent if build and (build[1].parent / "pyproject.toml").exists() else None


@pytest.mark.parametrize("name", sorted(n for n in SERVICES if _package_of(n)))
def test_every_service_image_is_tagged_with_its_packages_version(name: str) -> None:
    package = _package_of(name)
    assert package
    version = _search(r'\nversion = "([^"]+)"', (package / "pyproject.toml").read_text()).group(1)
    assert SERVICES[name]["image"] == f"taskwire/{package.name}:{version}"


def _libs_used_by(package: Path) -> set[str]:
    """The folders of the workspace libs a package depends on, directly or through a lib."""
    libs = {
        tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]: folder
        for folder in (ROOT / "libs").iterdir()
        if (folder / "pyproject.toml").exists()
    }
    used: set[str] = set()
    pending = [package]
    while pending:
        project = tomllib.loads((pending.pop() / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            name = _search(r"^[\w.-]+", requirement).group(0)
            if name in libs and name not in used:
                used.add(name)
                pending.append(libs[name])
    return {libs[name].name for name in used}


@pytest.mark.parametrize("name", sorted(n for n in SERVICES if _package_of(n)))
def test_every_service_image_installs_exactly_the_libs_its_package_uses(name: str) -> None:
    package = _package_of(name)
    assert package
    dockerfile = _dockerfile_of(name)
    copied = re.findall(r"\blibs/([\w-]+)/src/", " ".join(_arguments(dockerfile, "COPY")))
    locked = re.findall(
        r"source=libs/([\w-]+)/pyproject\.toml", " ".join(_arguments(dockerfile, "RUN"))
    )
    assert set(copied) == set(locked) == _libs_used_by(package)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_mounted_repository_file_exists(name: str) -> None:
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    build = _build(SERVICES[name])
    if build:
        assert build[1].exists(), f"{name} builds from missing {build[1]}"
        for keyword, arguments in _instructions(build[1]):
            if keyword == "COPY" and "--from=" not in arguments:
                for source in arguments.split()[:-1]:
                    assert (build[0] / source).exists(), f"{build[1]} copies missing {source}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependencies_wait_for_health(name: str) -> None:
    for dependency, rule in SERVICES[name].get("depends_on", {}).items():
        assert dependency in SERVICES
        if rule["condition"] == "service_healthy":
            target = SERVICES[dependency]
            has_check = "healthcheck" in target or _image_build(dependency)  # its HEALTHCHECK
            assert has_check, f"{name} waits on {dependency}, which has no healthcheck"
            assert not target.get("healthcheck", {}).get("disable"), dependency


@pytest.mark.parametrize(("name", "ports"), sorted(CONTRACT_PORTS.items()))
def test_published_ports_are_the_contracts(name: str, ports: list[int]) -> None:
    published = [_default_host_port(p.removesuffix("/udp")) for p in SERVICES[name]["ports"]]
    assert published == ports


def test_the_native_stack_and_compose_default_to_the_same_ports() -> None:
    native = _native_ports()
    checked = 0
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            match = re.match(r"(?:[\d.]+:)?\$\{(\w+):-(\d+)\}", mapping)
            if match and match.group(1) in native:
                assert native[match.group(1)] == match.group(2), (name, mapping)
                checked += 1
    assert checked >= len(_python_programs())


def test_the_realm_imported_by_compose_is_the_one_make_up_imports() -> None:
    mounts = " ".join(SERVICES["keycloak"]["volumes"])
    assert "./keycloak/realm-taskwire.json" in mounts
    assert "realm-taskwire.json" in (ROOT / "keycloak/keycloak.sh").read_text()


@pytest.mark.parametrize("program", sorted(_python_programs()))
def test_every_python_program_runs_in_compose_with_its_native_command(program: str) -> None:
    native = _python_programs()[program]
    assert program in SERVICES, f"supervised program {program} has no compose service"
    directory = native["directory"].replace(NATIVE_ROOT, IMAGE_ROOT)
    assert _working_dir(program) == directory
    env = " ".join(_arguments(_dockerfile_of(program), "ENV"))
    assert f"PATH={IMAGE_ROOT}/.venv/bin:" in env, "the image's venv must come first on PATH"
    expected = []
    for word in shlex.split(native["command"]):
        word = word.replace(NATIVE_VENV_BIN, "").replace(NATIVE_ROOT, IMAGE_ROOT)
        expected.append(word.removeprefix(f"{directory}/"))
    assert SERVICES[program]["command"] == expected


@pytest.mark.parametrize("program", sorted(_python_programs()))
def test_every_variable_a_supervised_program_sets_its_service_sets(program: str) -> None:
    compose = _environment(program)
    for name, value in _program_environment(_python_programs()[program]).items():
        assert name in compose, f"{program}: {name} is set natively, not in compose"
        if "127.0.0.1" not in value:  # addresses differ; everything else is the same
            assert compose[name] == value, (program, name)


def test_the_relay_runs_twice_with_distinct_instances_and_ports() -> None:
    relays = [name for name, s in SERVICES.items() if s.get("command") == ["taskwire-relay"]]
    assert len(relays) == 2
    instances = {_environment(name)["RELAY_INSTANCE"] for name in relays}
    ports = {_environment(name).get("RELAY_PORT", "8004") for name in relays}
    assert len(instances) == 2
    assert len(ports) == 2


def _migrations() -> dict[str, list[str]]:
    """Service directory -> the alembic arguments `make up` runs there."""
    stack = (ROOT / "scripts/stack/stack.sh").read_text()
    pattern = r'cd "\$TASKWIRE_ROOT/([\w-]+)" &&\s+"\$VENV/bin/alembic" ([^2]+?) 2>'
    found = re.findall(pattern, stack)
    return {directory: ["alembic", *arguments.split()] for directory, arguments in found}


def _migration_service(directory: str) -> str:
    return next(
        name
        for name, service in SERVICES.items()
        if service.get("command", [""])[0] == "alembic"
        and _working_dir(name) == f"{IMAGE_ROOT}/{directory}"
    )


def test_compose_runs_the_migrations_make_up_runs_and_no_others() -> None:
    compose = {
        _working_dir(name).removeprefix(f"{IMAGE_ROOT}/")
        for name, service in SERVICES.items()
        if service.get("command", [""])[0] == "alembic"
    }
    assert compose == set(_migrations()) == {"task-api", "notification-consumer"}


@pytest.mark.parametrize("directory", sorted(_migrations()))
def test_migrations_run_once_with_the_command_make_up_runs(directory: str) -> None:
    name = _migration_service(directory)
    assert SERVICES[name]["command"] == _migrations()[directory]
    assert SERVICES[name]["restart"] == "no"


@pytest.mark.parametrize("directory", sorted(_migrations()))
def test_migrations_run_as_the_databases_owner(directory: str) -> None:
    env_py = (ROOT / directory / "migrations/env.py").read_text()
    pattern = r'setting\(\s*"(\w+)",\s*"postgresql\+psycopg2://(\w+):'
    variable, role = _search(pattern, env_py).groups()
    assert role.endswith("_owner")
    url = _environment(_migration_service(directory))[variable]
    assert url.startswith(f"postgresql+psycopg2://{role}:")
    assert "@postgres:5432/" in url


@pytest.mark.parametrize("directory", sorted(_migrations()))
def test_every_program_of_an_image_with_migrations_starts_after_them(directory: str) -> None:
    migration = _migration_service(directory)
    image = SERVICES[migration]["image"]
    users = [n for n, s in SERVICES.items() if s["image"] == image and n != migration]
    assert users
    for name in users:
        assert _waits_for(name, migration, "service_completed_successfully"), name


# Programs that talk to no Kafka broker: the reminder scheduler writes only to PostgreSQL (its
# events reach Kafka through the outbox relay).
NOT_KAFKA_CLIENTS = {"reminders"}


@pytest.mark.parametrize("name", sorted(_python_programs().keys() - NOT_KAFKA_CLIENTS))
def test_every_kafka_client_waits_for_the_topics_on_the_internal_listener(name: str) -> None:
    bootstrap = _environment(name)["KAFKA_BOOTSTRAP_SERVERS"]
    listeners = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"CLIENT://{bootstrap}" in listeners
    assert _waits_for(name, "kafka-init", "service_completed_successfully")


@pytest.mark.parametrize("name", sorted(NOT_KAFKA_CLIENTS))
def test_a_program_that_is_no_kafka_client_gets_no_kafka_address(name: str) -> None:
    assert "KAFKA_BOOTSTRAP_SERVERS" not in _environment(name)
    assert "KAFKA_BOOTSTRAP_SERVERS" not in _program_environment(_python_programs()[name])


def _provisioning() -> Any:
    """scripts/stack/kafka/provision.py, the principals and ACLs of both stacks."""
    path = ROOT / "scripts/stack/kafka/provision.py"
    spec = importlib.util.spec_from_file_location("kafka_provision", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KAFKA_PASSWORD = re.compile(r"^(\w+)_KAFKA_PASSWORD$")


@pytest.mark.parametrize("name", sorted(_python_programs().keys() - NOT_KAFKA_CLIENTS))
def test_every_kafka_client_holds_the_password_of_one_provisioned_principal_only(
    name: str,
) -> None:
    passwords = [k for k in _environment(name) if KAFKA_PASSWORD.match(k)]
    assert len(passwords) == 1, f"{name} holds {passwords}"
    principal = KAFKA_PASSWORD.match(passwords[0]).group(1).lower().replace("_", "-")  # type: ignore[union-attr]
    assert principal in _provisioning().PRINCIPALS
    assert password_variable(principal) == passwords[0]
    assert _default(_environment(name)[passwords[0]]) == dev_password(principal)


def test_compose_provisions_every_principal_with_the_native_script_and_defaults() -> None:
    init = SERVICES["kafka-init"]
    assert init["command"] == ["python", "/etc/taskwire/kafka/provision.py"]
    assert any(v.startswith("./scripts/stack/kafka/provision.py:") for v in init["volumes"])
    env = _environment("kafka-init")
    for principal in [*_provisioning().PRINCIPALS, "broker"]:
        assert _default(env[password_variable(principal)]) == dev_password(principal), principal
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"
    assert env["KAFKA_BROKER_BOOTSTRAP_SERVERS"] == "kafka:29092"


def test_the_node_knows_the_same_broker_password_natively_and_in_compose() -> None:
    script = (ROOT / "scripts/stack/kafka.sh").read_text()
    native = _search(r"BROKER_KAFKA_PASSWORD=\$\{BROKER_KAFKA_PASSWORD:-([^}]*)\}", script).group(1)
    assert native == dev_password("broker")
    assert _default(SERVICES["kafka-init"]["environment"]["BROKER_KAFKA_PASSWORD"]) == native


@pytest.mark.parametrize("name", sorted(_python_programs()))
def test_every_service_waits_for_the_statsd_exporter_it_resolves_at_start(name: str) -> None:
    assert _environment(name)["STATSD_HOST"] == "statsd-exporter"
    assert _waits_for(name, "statsd-exporter", "service_healthy")


@pytest.mark.parametrize("name", sorted(_python_programs()))
def test_every_service_that_talks_to_keycloak_waits_for_it(name: str) -> None:
    env = _environment(name)
    if {"KEYCLOAK_JWKS_URL", "KEYCLOAK_URL"} & env.keys():
        assert _waits_for(name, "keycloak", "service_healthy")


@pytest.mark.parametrize("name", sorted(_python_programs()))
def test_every_service_accepts_the_issuer_keycloak_announces(name: str) -> None:
    hostname = next(a for a in SERVICES["keycloak"]["command"] if a.startswith("--hostname="))
    env = _environment(name)
    if "KEYCLOAK_ISSUER" in env:
        assert env["KEYCLOAK_ISSUER"] == f"{hostname.removeprefix('--hostname=')}/realms/taskwire"
    # The keys, and everything else asked of Keycloak, over the compose network.
    for url in (env.get("KEYCLOAK_JWKS_URL"), env.get("KEYCLOAK_URL")):
        assert url is None or url.startswith("http://keycloak:8080")


@pytest.mark.parametrize("name", sorted(_python_programs()))
def test_every_service_is_probed_and_published_on_loopback_at_its_own_port(name: str) -> None:
    (mapping,) = SERVICES[name]["ports"]
    host_ip, container_port = _search(r"^([\d.]+):\$\{\w+:-\d+\}:(\d+)$", mapping).groups()
    assert host_ip == "127.0.0.1"
    test = SERVICES[name]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "/healthz" in test[3]
    assert test[-1] == container_port


def test_the_gateway_routes_to_the_services_compose_runs() -> None:
    gateway = SERVICES["gateway"]
    upstreams = {k: v for k, v in gateway["environment"].items() if k.endswith("_UPSTREAM")}
    assert len(upstreams) == 3
    facade_ip = SERVICES["user-facade"]["networks"]["default"]["ipv4_address"]
    for address in upstreams.values():
        host, port = address.rsplit(":", 1)
        host = "user-facade" if host == facade_ip else host  # the keep-alive upstream's IP
        assert host in _python_programs()
        assert SERVICES[host]["ports"][0].endswith(f":{port}")
        assert _waits_for("gateway", host, "service_healthy")
    check = (ROOT / "scripts/stack/gateway.sh").read_text()
    checked = dict(re.findall(r"(\w+_UPSTREAM)=([\w.-]+:\d+)", check))
    assert checked == {**upstreams, "USER_FACADE_UPSTREAM": f"{_default(facade_ip)}:8002"}


def test_user_facade_believes_the_forwarded_address_of_the_gateway_only() -> None:
    trusted = _environment("user-facade")["USER_FACADE_TRUSTED_PROXIES"]
    assert trusted == SERVICES["gateway"]["networks"]["default"]["ipv4_address"]
    (subnet,) = COMPOSE["networks"]["default"]["ipam"]["config"]
    address = ipaddress.ip_address(_default(trusted))
    assert address in ipaddress.ip_network(_default(subnet["subnet"]))


def test_the_gateway_pools_connections_to_the_facade_at_its_fixed_address() -> None:
    facade_ip = SERVICES["user-facade"]["networks"]["default"]["ipv4_address"]
    (subnet,) = COMPOSE["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(_default(facade_ip)) in ipaddress.ip_network(
        _default(subnet["subnet"])
    )
    assert facade_ip != SERVICES["gateway"]["networks"]["default"]["ipv4_address"]
    template = (ROOT / "gateway/templates/taskwire.conf.template").read_text()
    assert "server ${USER_FACADE_UPSTREAM};" in template
    assert "proxy_pass http://user_facade;" in template


def test_prometheus_in_compose_scrapes_hosts_of_the_compose_network() -> None:
    for targets in (ROOT / "observability/prometheus/targets/compose").glob("*.yml"):
        for group in yaml.safe_load(targets.read_text()):
            for target in group["targets"]:
                host = target.split(":")[0]
                job = targets.stem  # Prometheus scrapes itself on its own loopback
                assert host in SERVICES or (host == "localhost" and job == "prometheus"), target


# --- Each image built once ---------------------------------------------------------------------


@pytest.mark.parametrize("image", sorted({s["image"] for s in SERVICES.values() if "build" in s}))
def test_every_image_built_here_is_built_by_one_service_and_run_by_name_by_the_others(
    image: str,
) -> None:
    builders = [n for n, s in SERVICES.items() if s["image"] == image and "build" in s]
    assert len(builders) == 1, f"{image} is built by {builders}: parallel builds of one tag"
    builder = builders[0]
    for name, service in SERVICES.items():
        if service["image"] == image and name != builder:
            # The builder starts first, so the image exists when the others are created.
            assert _starts_after(name, builder), f"{name} may start before {builder} builds"


def _starts_after(name: str, other: str) -> bool:
    pending, seen = [name], set()
    while pending:
        for dependency in SERVICES[pending.pop()].get("depends_on", {}):
            if dependency == other:
                return True
            if dependency not in seen:
                seen.add(dependency)
                pending.append(dependency)
    return False


@pytest.mark.parametrize("name", sorted(n for n, s in SERVICES.items() if "build" not in s))
def test_every_project_image_a_service_runs_is_built_here(name: str) -> None:
    if SERVICES[name]["image"].startswith("taskwire/"):
        assert _builder_of(SERVICES[name]["image"]), f"{name} would pull a project image"


# --- Every component with the project's complete configuration, never an image's default ------

# Third-party components: the repository files that make up each one's whole configuration,
# and how compose points the program at them. Python services run the project's own code and
# settings (checked above); one-off jobs (migrations, topics) have no configuration of their own.
# A new component must be listed here.
COMPONENT_CONFIG: dict[str, dict[str, str]] = {
    # file -> the command word (or environment entry) naming the mounted path `{}`
    "postgres": {"scripts/stack/postgres/postgresql.conf": "config_file={}"},
    "statsd-exporter": {"observability/statsd/mapping.yml": "--statsd.mapping-config={}"},
    "prometheus": {
        "observability/prometheus/prometheus.yml": "--config.file={}",
        # prometheus.yml names both by paths relative to itself
        "observability/prometheus/rules": "{}",
        "observability/prometheus/targets/compose": "{}",
    },
    "alertmanager": {"observability/alertmanager/alertmanager.yml": "--config.file={}"},
    "blackbox-exporter": {"observability/blackbox/blackbox.yml": "--config.file={}"},
    "keycloak": {"keycloak/realm-taskwire.json": "--import-realm"},
    # Grafana has no native counterpart: its project configuration is the provisioning, in
    # the folder the image reads (GF_PATHS_PROVISIONING's default), and the dashboards it names.
    "grafana": {
        "observability/grafana/provisioning": "{}",
        "observability/grafana/dashboards": "{}",
    },
    "gateway": {
        "gateway/nginx.conf.template": "NGINX_ENVSUBST_TEMPLATE_DIR",
        "gateway/templates": "NGINX_ENVSUBST_TEMPLATE_DIR",
        "gateway/console/public": "{}",  # the web console's files, at CONSOLE_ROOT
    },
}
# Configured by environment instead of files: Kafka (KAFKA_* variables, every key of the native
# server.properties.in, checked below); the mail sink's image is built here with maildev.json.
# The other exporters take command-line options only.
CONFIGURED_OTHERWISE = {
    "kafka",
    "mailsink",
    "postgres-exporter",
    "kafka-lag-exporter",
    "nginx-exporter",
}


def _mounts(name: str) -> dict[str, str]:
    """Repository path (normalized) -> container path, of a service's bind mounts."""
    found = {}
    for volume in SERVICES[name].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            found[source.removeprefix("./").rstrip("/")] = target
    return found


def _is_component(name: str) -> bool:
    command = SERVICES[name].get("command", [""])
    one_off = SERVICES[name].get("restart") == "no"
    return name not in _python_programs() and not one_off and command[:1] != ["alembic"]


def test_every_component_declares_the_project_configuration_it_runs_with() -> None:
    components = {name for name in SERVICES if _is_component(name)}
    assert components == COMPONENT_CONFIG.keys() | CONFIGURED_OTHERWISE


@pytest.mark.parametrize(
    ("name", "path"), sorted((n, p) for n, files in COMPONENT_CONFIG.items() for p in files)
)
def test_every_component_reads_the_projects_files_not_the_images_defaults(
    name: str, path: str
) -> None:
    assert (ROOT / path).exists(), path
    mounts = _mounts(name)
    assert path in mounts, f"{name} does not mount {path}"
    reference = COMPONENT_CONFIG[name][path]
    command = SERVICES[name].get("command", [])
    if reference == "{}":  # read from where the config file names it, under a mount
        return
    if "{}" in reference:
        assert reference.format(mounts[path]) in command, f"{name} is not told to read {path}"
    elif reference in _environment(name):
        assert mounts[path].startswith(_environment(name)[reference] + "/"), (name, path)
    else:
        assert reference in command, (name, reference)


def test_the_gateway_runs_the_native_nginx_conf_and_conf_d_not_the_images() -> None:
    env = _environment("gateway")
    templates, home = env["NGINX_ENVSUBST_TEMPLATE_DIR"], env["NGINX_ENVSUBST_OUTPUT_DIR"]
    assert env["GATEWAY_HOME"] == home
    mounts = _mounts("gateway")
    # The image renders TEMPLATE_DIR/x.template into OUTPUT_DIR/x, as gateway.sh renders them.
    script = (ROOT / "scripts/stack/gateway.sh").read_text()
    assert '"$SRC/nginx.conf.template" >"$home/nginx.conf"' in script
    assert 'for template in "$SRC"/templates/*.conf.template; do' in script
    assert 'out=$home/conf.d/$(basename "$template" .template)' in script
    assert mounts["gateway/nginx.conf.template"] == f"{templates}/nginx.conf.template"
    assert mounts["gateway/templates"] == f"{templates}/conf.d"
    main = (ROOT / "gateway/nginx.conf.template").read_text()
    assert "include ${GATEWAY_HOME}/conf.d/*.conf;" in main
    assert "/etc/nginx" not in main, "the image's own files must not be included"
    # nginx with gateway.sh's own arguments, on that rendering.
    native = _search(r"local args=\(([^)]*)\)", script).group(1)
    expected = shlex.split(native.replace("$home", home.rstrip("/")))
    assert SERVICES["gateway"]["command"] == ["nginx", *expected]
    # And should another server block ever be loaded, ours still answers every Host.
    server = (ROOT / "gateway/templates/taskwire.conf.template").read_text()
    assert "listen ${GATEWAY_LISTEN} default_server;" in server


# --- Commands, config files and environment of the components: the native stack's ------------

# Options set natively whose values are loopback addresses, ports or local paths: compose may
# set them differently or leave them to the image (its own ports on the compose network).
LOCAL_OPTIONS = {
    "--web.listen-address",
    "--statsd.listen-udp",
    "--storage.tsdb.path",
    "--storage.path",
    "--http-host",
    "--http-port",
    "--http-management-host",
    "--http-management-port",
    "--db-url-host",
    "--db-url-port",
    "--ip",
    "--web-ip",
    "--smtp",
    "--web",
    "--mail-directory",
}
# Options only one side has, with the reason.
NATIVE_ONLY = {
    "keycloak": {"--optimized"},  # the native server is pre-built by `kc.sh build`; the image's
    # stock server builds at start
}


def _script_defaults(script: Path) -> dict[str, str]:
    """NAME -> default of the `NAME=${NAME:-default}` lines of a script and of env.sh."""
    plain = r"(?m)^\s*(?:export )?(\w+)=([^\s#]+)"
    pattern = r"(?m)^\s*(?:export )?(\w+)=\$\{\w+:-(.*)\}\s*(?:#.*)?$"
    found: dict[str, str] = {}
    for text in ((ROOT / "scripts/stack/env.sh").read_text(), script.read_text()):
        found |= dict(re.findall(plain, text)) | dict(re.findall(pattern, text))
    return found


def _resolve(text: str, defaults: dict[str, str]) -> str:
    """Shell variables replaced by their defaults, compose's `${X:-d}` by d."""
    for _ in range(3):
        text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)
        text = re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m.group(1), m.group(0)), text)
    return text


def _native_run_command(script: Path) -> list[str]:
    """The words of the `exec` line of a component script's cmd_run, variables resolved."""
    joined = re.sub(r"\\\n\s*", " ", script.read_text())
    body = _search(r"(?s)\ncmd_run\(\) \{\n(.*?)\n\}", joined).group(1)
    line = _search(r"(?m)^\s*exec (.*)$", body).group(1)
    words = shlex.split(line.replace('"${opts[@]}"', ""))
    return [_resolve(word, _script_defaults(script)) for word in words]


def _options(words: list[str]) -> dict[str, str]:
    """--name -> value (or "" for a switch) of a command line."""
    options, index = {}, 0
    while index < len(words):
        word = words[index]
        if word.startswith("--"):
            name, equals, value = word.partition("=")
            nxt = words[index + 1] if index + 1 < len(words) else "--"
            if not equals and not nxt.startswith("-"):
                value, index = nxt, index + 1
            options[name] = value
        index += 1
    return options


def _compose_options(name: str) -> dict[str, str]:
    words = [_resolve(word, {}) for word in SERVICES[name].get("command", [])]
    options = _options(words)
    if name == "keycloak":  # KC_DB_URL_HOST=x is --db-url-host=x
        for key, value in _environment(name).items():
            if key.startswith("KC_") and not key.startswith(("KC_BOOTSTRAP_", "KC_DB_PASSWORD")):
                options["--" + key.removeprefix("KC_").lower().replace("_", "-")] = _resolve(
                    value, {}
                )
    if name == "mailsink":
        build = _build(SERVICES[name])
        assert build, "the mail sink's image is built here"
        options = _options(json.loads(" ".join(_arguments(build[1], "ENTRYPOINT"))))
    return options


NATIVE_SCRIPTS = {
    "keycloak": "keycloak/keycloak.sh",
    "mailsink": "scripts/stack/mailsink.sh",
    "statsd-exporter": "scripts/stack/statsd-exporter.sh",
    "prometheus": "scripts/stack/prometheus.sh",
    "alertmanager": "scripts/stack/alertmanager.sh",
    "postgres-exporter": "scripts/stack/postgres-exporter.sh",
    "kafka-lag-exporter": "scripts/stack/kafka-lag-exporter.sh",
    "blackbox-exporter": "scripts/stack/blackbox-exporter.sh",
}


def _native_options(name: str) -> dict[str, str]:
    script = ROOT / NATIVE_SCRIPTS[name]
    options = _options(_native_run_command(script))
    if name == "keycloak":  # options baked in by `kc.sh build`, and the shared runtime ones
        text = script.read_text()
        build = _search(r"BUILD_OPTS=\(([^)]*)\)", text).group(1).split()
        runtime = re.sub(
            r"\\\n\s*", " ", _search(r"(?s)runtime_opts\(\) \{(.*?)\n\}", text).group(1)
        )
        runtime = _resolve(runtime, _script_defaults(script))
        options |= _options(build + shlex.split(runtime.replace("printf '%s\\n'", "")))
    return options


@pytest.mark.parametrize("name", sorted(NATIVE_SCRIPTS))
def test_every_component_runs_in_compose_with_its_native_options(name: str) -> None:
    native, compose = _native_options(name), _compose_options(name)
    assert native, f"no options parsed from {NATIVE_SCRIPTS[name]}"
    for option, value in native.items():
        if option in LOCAL_OPTIONS or option in NATIVE_ONLY.get(name, set()):
            continue
        assert option in compose, f"{name}: {option} is set natively, not in compose"
        if value.startswith(("/", "$")):
            # a config file: the same file name, at the path compose mounts it
            assert Path(compose[option]).name == Path(value).name, (name, option)
        elif "127.0.0.1" not in value and "localhost" not in value:
            assert compose[option] == value, (name, option, compose[option], value)
    extra = compose.keys() - native.keys() - LOCAL_OPTIONS
    assert not extra, f"{name}: compose sets {sorted(extra)}, the native stack does not"


def test_keycloak_gets_the_environment_the_native_script_exports() -> None:
    text = (ROOT / "keycloak/keycloak.sh").read_text()
    body = _search(r"(?s)export_secrets\(\) \{(.*?)\n\}", text).group(1)
    exported = {
        name
        for line in re.findall(r"(?m)^\s*export (.*?)(?:\s+#.*)?$", body)
        for name in re.findall(r"(\w+)(?:=\S*)?", line)
    }
    env = _environment("keycloak")
    assert exported <= env.keys(), exported - env.keys()
    native_heap = _search(r"JAVA_OPTS_KC_HEAP=\$\{JAVA_OPTS_KC_HEAP:-([^}]*)\}", text).group(1)
    assert env["JAVA_OPTS_KC_HEAP"] == native_heap


def _native_kafka_properties() -> dict[str, str]:
    """The native node's properties, its broker password as compose interpolates it."""
    text = (ROOT / "scripts/stack/kafka/server.properties.in").read_text()
    broker = f"${{BROKER_KAFKA_PASSWORD:-{dev_password('broker')}}}"
    text = text.replace("@KAFKA_BROKER_PASSWORD@", broker)
    return dict(re.findall(r"(?m)^([a-z][\w.-]*)=(.*)$", text))


def _kafka_variable(key: str) -> str:
    """The apache/kafka image's name for a property: `.` is `_`, `_` is `__`, `-` is `___`."""
    return "KAFKA_" + key.upper().replace("_", "__").replace("-", "___").replace(".", "_")


# Compose's host listener (CLIENT_HOST) has every setting of the client listener's.
def _host_listener(key: str) -> str:
    return key.replace("listener.name.client.", "listener.name.client_host.")


# Kafka keys whose native values are this machine's addresses and paths, and the compose
# variables that hold the container's own.
KAFKA_LOCAL = {
    "controller.quorum.bootstrap.servers": "KAFKA_CONTROLLER_QUORUM_VOTERS",
    "listeners": "KAFKA_LISTENERS",
    "advertised.listeners": "KAFKA_ADVERTISED_LISTENERS",
    "listener.security.protocol.map": "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",  # + the host one
    "log.dirs": "KAFKA_LOG_DIRS",
}


@pytest.mark.parametrize("key", sorted(_native_kafka_properties()))
def test_kafka_in_compose_sets_every_property_of_the_native_node(key: str) -> None:
    env = _environment("kafka")
    if key in KAFKA_LOCAL:
        assert KAFKA_LOCAL[key] in env
        return
    for variable in {_kafka_variable(key), _kafka_variable(_host_listener(key))}:
        assert variable in env, f"{key} is set natively; compose leaves it to the image's default"
        assert env[variable] == _native_kafka_properties()[key], key


def test_kafka_in_compose_sets_no_property_the_native_node_does_not() -> None:
    native = {
        _kafka_variable(each) for k in _native_kafka_properties() for each in (k, _host_listener(k))
    }
    settings = {k for k in _environment("kafka") if k.startswith("KAFKA_")}
    # JVM options of the image, not broker properties (KAFKA_OPTS: the JMX exporter agent).
    image_only = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", *KAFKA_LOCAL.values()}
    assert settings - native - image_only == set()


def test_kafka_runs_with_the_native_heap() -> None:
    script = (ROOT / "scripts/stack/kafka.sh").read_text()
    native = _search(r"KAFKA_HEAP_OPTS=\$\{KAFKA_HEAP_OPTS:-([^}]*)\}", script).group(1)
    assert _environment("kafka")["KAFKA_HEAP_OPTS"] == native


def test_kafka_listens_on_the_port_it_advertises_to_the_host() -> None:
    env = _environment("kafka")
    advertised = _search(
        r"CLIENT_HOST://localhost:(\$\{KAFKA_PORT:-\d+\})", env["KAFKA_ADVERTISED_LISTENERS"]
    ).group(1)
    assert f"CLIENT_HOST://:{advertised}" in env["KAFKA_LISTENERS"]
    assert SERVICES["kafka"]["ports"] == [f"{advertised}:{advertised}"]


def test_kafkas_healthcheck_starts_no_jvm() -> None:
    test = " ".join(SERVICES["kafka"]["healthcheck"]["test"])
    assert "kafka-" not in test
    assert "java" not in test
    assert "/dev/tcp/127.0.0.1/19092" in test  # the internal listener, whatever KAFKA_PORT is


@pytest.mark.parametrize("dockerfile", _dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_run_mount_target_is_absolute_for_buildah(dockerfile: Path) -> None:
    # buildah 1.28 (`make images`) refuses relative targets; under BuildKit they mean the same.
    for arguments in _arguments(dockerfile, "RUN"):
        for target in re.findall(r"--mount=\S*?target=([^,\s]+)", arguments):
            assert target.startswith("/"), f"{dockerfile}: relative mount target {target}"
