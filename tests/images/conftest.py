"""The service images (built by scripts/images/build.sh) run as podman containers against the
running native stack: every Python program of supervisord.conf, in the image of its package,
with the same command line, working directory and environment, each on its own port.

The containers share the test's network (`--network host`): the host's in CI, a stack's network
namespace when the tests are run in it with `nsenter --net=/run/netns/NAME` (podman cannot run
under `ip netns exec`, whose fresh /sys has no cgroup mounts)."""

import configparser
import functools
import json
import os
import re
import subprocess
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from taskwire_testkit import supervisorctl

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
PODMAN_ENV = {
    **os.environ,
    "CONTAINERS_CONF": os.environ.get(
        "CONTAINERS_CONF", str(ROOT / "scripts/images/containers.conf")
    ),
}
NATIVE_ROOT = "%(ENV_TASKWIRE_ROOT)s"
IMAGE_ROOT = "/app"  # where the images put the repository
UID = "10001"
# Each program's port variable and the port its container listens on (the native one + 10000).
# A new program of supervisord.conf needs its line here: the tests fail until it has one.
PORTS = {
    "task-api": ("TASK_API_PORT", 18001),
    "user-facade": ("USER_FACADE_PORT", 18002),
    "notification-api": ("NOTIFICATIONS_PORT", 18003),
    "relay": ("RELAY_PORT", 18004),
    "relay-standby": ("RELAY_PORT", 18005),
    "notification-worker": ("NOTIFICATION_WORKER_PORT", 18006),
    "reminders": ("REMINDERS_PORT", 18007),
}
# Programs that must be alone: the container takes the native program's place while it runs
# (the worker is a static consumer-group member under its instance id).
REPLACES_NATIVE = {"notification-worker"}
# Settings a second instance beside the native one keeps apart from it.
BESIDE_NATIVE = {
    "relay": {"RELAY_INSTANCE": "relay-image"},
    "relay-standby": {"RELAY_INSTANCE": "relay-standby-image"},
    # a second scheduler shares the work with the native one (SKIP LOCKED)
    "reminders": {"REMINDERS_INSTANCE": "reminders-image"},
}
# The settings scripts/stack/env.sh exports to every native program (`export NAME=`).
ENV_SH = re.findall(r"^export (\w+)=", (ROOT / "scripts/stack/env.sh").read_text(), re.M)
# From `podman run -d` until the HEALTHCHECK passes: bounded, generous for a loaded machine.
START_DEADLINE = 180.0


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env=PODMAN_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def python_programs() -> dict[str, dict[str, str]]:
    """supervisord.conf's programs run from the workspace's virtualenv."""
    conf = configparser.RawConfigParser(strict=True)
    conf.read_string((ROOT / "scripts/stack/supervisord.conf").read_text())
    return {
        section.removeprefix("program:"): dict(conf[section])
        for section in conf.sections()
        if section.startswith("program:")
        and conf[section]["command"].startswith(f"{NATIVE_ROOT}/.venv/bin/")
    }


def _image_of(directory: str) -> str:
    package = directory.removeprefix(f"{NATIVE_ROOT}/")
    project = tomllib.loads((ROOT / package / "pyproject.toml").read_text())["project"]
    return f"taskwire/{package}:{project['version']}"


@functools.cache
def _env_sh() -> dict[str, str]:
    """The environment after `source scripts/stack/env.sh`, as the native programs get it."""
    printed = subprocess.run(
        ["bash", "-c", "source scripts/stack/env.sh && env -0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in printed.split("\0") if "=" in line)


def _native_environment(program: dict[str, str]) -> dict[str, str]:
    """What env.sh exports (its settings, not its local paths) and the program's own
    `environment` of supervisord.conf, resolved the same way."""
    resolved = _env_sh()
    pairs = re.findall(r'(\w+)="([^"]*)"', program.get("environment", ""))
    return {
        **{name: resolved[name] for name in ENV_SH},
        **{
            name: re.sub(r"%\(ENV_(\w+)\)s", lambda m: resolved[m.group(1)], value)
            for name, value in pairs
        },
    }


@dataclass
class Container:
    program: str
    image: str
    port: int
    command: list[str]
    workdir: str
    environment: dict[str, str]

    @property
    def name(self) -> str:
        return f"taskwire-test-{self.program}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        podman("rm", "-f", "-t", "5", self.name)
        env = [f"--env={name}={value}" for name, value in self.environment.items()]
        run = podman(
            "run", "-d", "--name", self.name, "--network=host", f"--workdir={self.workdir}",
            *env, self.image, *self.command,
        )  # fmt: skip
        assert run.returncode == 0, f"podman run {self.image}: {run.stderr}"

    def exec(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name, *argv, timeout=timeout)

    def logs(self) -> str:
        done = podman("logs", "--tail", "40", self.name)
        return done.stdout + done.stderr

    def healthcheck(self, port: int | None = None) -> list[str]:
        """The image's HEALTHCHECK command, given the port to probe (its last argument)."""
        inspect = podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", self.image)
        test: list[str] = json.loads(inspect.stdout)["Test"]
        assert test[0] == "CMD", f"{self.image}: HEALTHCHECK {test}"
        return [*test[1:-1], str(port or self.port)]

    def wait_healthy(self) -> None:
        """Run the HEALTHCHECK command until it passes, as the engine would, or fail."""
        deadline = time.monotonic() + START_DEADLINE
        while True:
            probe = self.exec(*self.healthcheck())
            if probe.returncode == 0:
                return
            state = podman("inspect", "--format", "{{.State.Status}}", self.name).stdout.strip()
            if state != "running" or time.monotonic() > deadline:
                pytest.fail(f"{self.program} ({state}) not healthy: {probe.stderr}\n{self.logs()}")
            time.sleep(1)

    def remove(self) -> None:
        podman("rm", "-f", "-t", "10", self.name)


def container_of(program: str, definition: dict[str, str]) -> Container:
    assert program in PORTS, f"supervisord.conf's {program} needs its port in PORTS"
    variable, port = PORTS[program]
    image = _image_of(definition["directory"])
    inspect = podman("image", "inspect", "--format", "{{json .Config.Env}}", image)
    assert inspect.returncode == 0, f"no image {image}: build it with `make images`"
    # The image listens beyond loopback for compose; on the host's network, loopback only.
    binds = {
        pair.split("=", 1)[0]: "127.0.0.1"
        for pair in json.loads(inspect.stdout)
        if pair.split("=", 1)[0].endswith("_BIND_HOST")
    }
    environment = {
        **_native_environment(definition),
        **BESIDE_NATIVE.get(program, {}),
        **binds,
        variable: str(port),
    }
    command = definition["command"].replace(f"{NATIVE_ROOT}/.venv/bin/", "")
    return Container(
        program,
        image,
        port,
        command.replace(NATIVE_ROOT, IMAGE_ROOT).split(),
        definition["directory"].replace(NATIVE_ROOT, IMAGE_ROOT),
        environment,
    )


@pytest.fixture(scope="session")
def containers() -> Iterator[Callable[[str], Container]]:
    """Starts every program's container at once (they start in parallel), hands out each when
    its HEALTHCHECK passes (or fails the test), and removes them all at the end; a program of
    REPLACES_NATIVE is stopped natively meanwhile and started again after."""
    programs = {
        name: container_of(name, definition) for name, definition in python_programs().items()
    }
    for program in REPLACES_NATIVE & programs.keys():
        supervisorctl("stop", program)
    healthy: set[str] = set()
    try:
        for container in programs.values():
            container.start()

        def healthy_container(program: str) -> Container:
            if program not in healthy:
                programs[program].wait_healthy()
                healthy.add(program)
            return programs[program]

        yield healthy_container
    finally:
        for container in programs.values():
            container.remove()
        for program in REPLACES_NATIVE & programs.keys():
            supervisorctl("start", program)


def eventually(check: Callable[[], T], timeout: float) -> T:
    """The first truthy result of `check`, or a failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {check.__name__}")
        time.sleep(0.5)
    return result


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)
