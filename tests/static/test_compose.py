"""compose.yml and the service images stay honest where no Docker engine runs: pinned images,
files that exist, health-gated dependencies, the contract's ports, and the same programs with
the same command lines, settings and start order as the native stack."""

import configparser
import ipaddress
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def _dockerfile_of(name: str) -> Path:
    build = _build(SERVICES[name])
    assert build, f"{name} is not built from a Dockerfile of this repository"
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
    for keyword, arguments in _instructions(dockerfile):
        images = []
        if keyword == "FROM":
            images.append(arguments.split()[0])
        elif keyword == "COPY" and "--from=" in arguments:
            images.append(_search(r"--from=(\S+)", arguments).group(1))
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
    build = _build(SERVICES[name])
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
            has_check = "healthcheck" in target or "build" in target  # image HEALTHCHECK
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


@pytest.mark.parametrize("name", sorted(_python_programs()))
def test_every_kafka_client_waits_for_the_topics_on_the_internal_listener(name: str) -> None:
    bootstrap = _environment(name)["KAFKA_BOOTSTRAP_SERVERS"]
    listeners = SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"PLAINTEXT://{bootstrap}" in listeners
    assert _waits_for(name, "kafka-init", "service_completed_successfully")


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
