"""Addresses of the running native stack (`make up`), with the contract's default ports."""

import os
from dataclasses import dataclass

import pytest


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Stack:
    host: str = "127.0.0.1"
    pg_port: int = _port("PG_PORT", 5432)
    kafka_port: int = _port("KAFKA_PORT", 9092)
    keycloak_port: int = _port("KEYCLOAK_PORT", 8180)
    smtp_port: int = _port("SMTP_PORT", 1025)
    mail_http_port: int = _port("MAIL_HTTP_PORT", 8025)
    gateway_port: int = _port("GATEWAY_PORT", 8080)
    prometheus_port: int = _port("PROMETHEUS_PORT", 9090)

    @property
    def kafka(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def gateway(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    @property
    def keycloak(self) -> str:
        return f"http://{self.host}:{self.keycloak_port}"

    @property
    def issuer(self) -> str:
        # The one issuer browsers and services agree on (Keycloak's configured hostname).
        return os.environ.get(
            "KEYCLOAK_ISSUER", f"http://localhost:{self.keycloak_port}/realms/taskwire"
        )

    def dsn(self, role: str, password: str, database: str) -> str:
        return (
            f"host={self.host} port={self.pg_port} dbname={database}"
            f" user={role} password={password}"
        )


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack()
