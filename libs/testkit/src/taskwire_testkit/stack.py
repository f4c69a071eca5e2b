"""Addresses of the running native stack, with the contract's default ports."""

import os
from dataclasses import dataclass, field
from typing import Any

from taskwire_events.kafka_clients import KafkaClients, dev_password, password_variable


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Stack:
    host: str = "127.0.0.1"
    pg_port: int = field(default_factory=lambda: _port("PG_PORT", 5432))
    kafka_port: int = field(default_factory=lambda: _port("KAFKA_PORT", 9092))
    keycloak_port: int = field(default_factory=lambda: _port("KEYCLOAK_PORT", 8180))
    smtp_port: int = field(default_factory=lambda: _port("SMTP_PORT", 1025))
    mail_http_port: int = field(default_factory=lambda: _port("MAIL_HTTP_PORT", 8025))
    gateway_port: int = field(default_factory=lambda: _port("GATEWAY_PORT", 8080))
    prometheus_port: int = field(default_factory=lambda: _port("PROMETHEUS_PORT", 9090))
    facade_secret: str = field(
        default_factory=lambda: os.environ.get(
            "KEYCLOAK_FACADE_CLIENT_SECRET", "dev-only-facade-secret"
        )
    )

    @property
    def kafka(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    def kafka_clients(self, principal: str = "admin") -> KafkaClients:
        """A principal's login on the client listener (scripts/stack/kafka/provision.py)."""
        password = os.environ.get(password_variable(principal), dev_password(principal))
        return KafkaClients(self.kafka, principal, password)

    @property
    def kafka_admin(self) -> dict[str, Any]:
        """kafka-python options of `admin`, the super user that tests and benchmarks use to
        create topics and to see what the services wrote."""
        return self.kafka_clients().connection()

    def relay_as_admin(self) -> dict[str, str]:
        """Environment of a relay process run by a test or benchmark on a topic of its own,
        which the `relay` principal may not write: it logs in as `admin` instead."""
        admin = self.kafka_clients()
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "RELAY_KAFKA_USERNAME": admin.username,
            "RELAY_KAFKA_PASSWORD": admin.password,
        }

    @property
    def gateway(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    @property
    def realm(self) -> str:
        return f"http://{self.host}:{self.keycloak_port}/realms/taskwire"

    @property
    def issuer(self) -> str:
        """The one issuer browsers and services agree on (Keycloak's configured hostname)."""
        default = f"http://localhost:{self.keycloak_port}/realms/taskwire"
        return os.environ.get("KEYCLOAK_ISSUER", default)

    def dsn(self, role: str, password: str, database: str) -> str:
        return (
            f"host={self.host} port={self.pg_port} dbname={database}"
            f" user={role} password={password}"
        )
