"""compose.yml stays honest where no Docker engine runs: pinned images, files that exist,
health-gated dependencies, and the contract's ports, the same as the native stack's."""

import re
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


def _default_host_port(mapping: str) -> int:
    host = mapping.split(":")[0] if mapping.count(":") == 1 else mapping.rsplit(":", 1)[0]
    match = re.fullmatch(r"\$\{\w+:-(\d+)\}", host)
    return int(match.group(1) if match else host)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned_to_a_version(name: str) -> None:
    image = SERVICES[name]["image"]
    tag = image.rsplit(":", 1)[-1] if ":" in image else ""
    assert tag, f"{name}: {image} has no tag"
    assert tag != "latest"
    assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_mounted_repository_file_exists(name: str) -> None:
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    build = SERVICES[name].get("build")
    if build:
        assert (ROOT / build / "Dockerfile").exists()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependencies_wait_for_health(name: str) -> None:
    for dependency, rule in SERVICES[name].get("depends_on", {}).items():
        assert dependency in SERVICES
        if rule["condition"] == "service_healthy":
            target = SERVICES[dependency]
            has_check = "healthcheck" in target or "build" in target  # image HEALTHCHECK
            assert has_check, f"{name} waits on {dependency}, which has no healthcheck"


@pytest.mark.parametrize(("name", "ports"), sorted(CONTRACT_PORTS.items()))
def test_published_ports_are_the_contracts(name: str, ports: list[int]) -> None:
    published = [_default_host_port(p.removesuffix("/udp")) for p in SERVICES[name]["ports"]]
    assert published == ports


def test_the_native_stack_and_compose_default_to_the_same_ports() -> None:
    env = (ROOT / "scripts/stack/env.sh").read_text()
    native = dict(re.findall(r"export (\w+_PORT)=\$\{\w+:-(\d+)\}", env))
    for name, service in SERVICES.items():
        for mapping in service.get("ports", []):
            match = re.match(r"\$\{(\w+):-(\d+)\}", mapping)
            if match and match.group(1) in native:
                assert native[match.group(1)] == match.group(2), (name, mapping)


def test_the_realm_imported_by_compose_is_the_one_make_up_imports() -> None:
    mounts = " ".join(SERVICES["keycloak"]["volumes"])
    assert "./keycloak/realm-taskwire.json" in mounts
    assert "realm-taskwire.json" in (ROOT / "keycloak/keycloak.sh").read_text()
