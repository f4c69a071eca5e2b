"""Provisions the Kafka node: every principal's SCRAM credentials, the project's topics and the
ACLs of least privilege. Idempotent. `scripts/stack/kafka.sh init` runs it natively, the
`kafka-init` service in compose (task-api's image, which has kafka-python). docs/operations.md
("Kafka principals and ACLs") explains the table below.

Step one talks to the BROKER listener as `broker` (SASL/PLAIN, the node's own static login):
SCRAM credentials cannot log anyone in before they exist. Step two checks that `admin` logs in
with SCRAM on the client listener, and creates the topics and the ACLs as `admin`.

Environment: KAFKA_BOOTSTRAP_SERVERS (client listener), KAFKA_BROKER_BOOTSTRAP_SERVERS (BROKER
listener), and each principal's <NAME>_KAFKA_PASSWORD (dev-only defaults in development).
"""

import os
import sys
import time
from dataclasses import dataclass

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    NewTopic,
    ResourcePattern,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from taskwire_events.kafka_clients import MECHANISM, SECURITY_PROTOCOL, KafkaClients

EVENTS = "task-events"
DLQ = "task-events.dlq"
REVOCATIONS = "auth.revocations"
WORKER_GROUP = "notification-consumer"
REPLAY_GROUP = f"{WORKER_GROUP}.dlq-replay"
ANY = "*"  # Kafka's wildcard resource name

# The DLQ gets one partition: it carries a trickle of poison messages, one partition keeps them
# in total order for inspection/replay, and its end offset alone says whether it is empty; it
# keeps them 14 days. Ended Keycloak sessions (docs/identity.md) only matter while an access
# token of that session can still be valid (5 min): kept 10 min, in segments rolled every 5.
TOPICS = [
    NewTopic(EVENTS, num_partitions=6, replication_factor=1),
    NewTopic(
        DLQ,
        num_partitions=1,
        replication_factor=1,
        topic_configs={"retention.ms": str(14 * 24 * 3600 * 1000)},
    ),
    NewTopic(
        REVOCATIONS,
        num_partitions=1,
        replication_factor=1,
        topic_configs={"retention.ms": str(10 * 60 * 1000), "segment.ms": str(5 * 60 * 1000)},
    ),
]

READ, WRITE, DESCRIBE = ACLOperation.READ, ACLOperation.WRITE, ACLOperation.DESCRIBE
TOPIC, GROUP = ResourceType.TOPIC, ResourceType.GROUP


@dataclass(frozen=True)
class Grant:
    resource_type: ResourceType
    name: str
    operations: tuple[ACLOperation, ...]
    pattern: ACLResourcePatternType = ACLResourcePatternType.LITERAL


# Principal -> what it may do. `admin` (and the node's `broker`) are super users
# (server.properties: super.users) and need no ACL; everyone else gets exactly this.
PRINCIPALS: dict[str, list[Grant]] = {
    "admin": [],
    "relay": [Grant(TOPIC, EVENTS, (WRITE, DESCRIBE))],
    "notification-worker": [
        Grant(TOPIC, EVENTS, (READ, DESCRIBE)),
        Grant(GROUP, WORKER_GROUP, (READ,)),
        Grant(TOPIC, DLQ, (WRITE, DESCRIBE)),
        Grant(GROUP, REPLAY_GROUP, (DESCRIBE,)),  # how far the dead letters were replayed
    ],
    "notification-replay": [
        Grant(TOPIC, DLQ, (READ, DESCRIBE)),
        # Its group, and the ones named after it (`--group <group>.<name>`: a replay of its own).
        Grant(GROUP, REPLAY_GROUP, (READ,), ACLResourcePatternType.PREFIXED),
        Grant(TOPIC, EVENTS, (WRITE, DESCRIBE)),
    ],
    "task-api": [Grant(TOPIC, REVOCATIONS, (READ, DESCRIBE))],
    "notification-api": [Grant(TOPIC, REVOCATIONS, (READ, DESCRIBE))],
    "user-facade": [Grant(TOPIC, REVOCATIONS, (READ, WRITE, DESCRIBE))],
    # Consumer-group lag: groups, their committed offsets and the topics' end offsets; no data.
    "monitoring": [Grant(TOPIC, ANY, (DESCRIBE,)), Grant(GROUP, ANY, (DESCRIBE,))],
}


def acls(username: str, grants: list[Grant]) -> list[ACL]:
    return [
        ACL(
            principal=f"User:{username}",
            host="*",
            operation=operation,
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(grant.resource_type, grant.name, grant.pattern),
        )
        for grant in grants
        for operation in grant.operations
    ]


def store_credentials(logins: dict[str, KafkaClients]) -> None:
    broker = KafkaClients.from_env("broker")
    bootstrap = os.environ.get("KAFKA_BROKER_BOOTSTRAP_SERVERS", "127.0.0.1:29092")
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        security_protocol=SECURITY_PROTOCOL,
        sasl_mechanism="PLAIN",
        sasl_plain_username=broker.username,
        sasl_plain_password=broker.password,
        client_id="taskwire-provision",
    )
    try:
        mechanism = ScramMechanism[MECHANISM.replace("-", "_")]
        failed = {
            user: error
            for user, error in admin.alter_user_scram_credentials(
                [
                    UserScramCredentialUpsertion(login.username, mechanism, login.password)
                    for login in logins.values()
                ]
            ).items()
            if error
        }
        if failed:
            raise SystemExit(f"kafka: storing SCRAM credentials failed: {failed}")
    finally:
        admin.close()


def admin_client(login: KafkaClients, attempts: int = 30) -> KafkaAdminClient:
    """Logs in as `admin`, retrying while the credentials just stored reach the broker."""
    for attempt in range(1, attempts + 1):
        try:
            return KafkaAdminClient(**login.connection(), client_id="taskwire-provision")
        except KafkaError as error:
            if attempt == attempts:
                raise SystemExit(f"kafka: admin cannot log in: {error!r}") from error
            time.sleep(1)
    raise AssertionError("unreachable")


def provision(logins: dict[str, KafkaClients]) -> None:
    admin = admin_client(logins["admin"])
    try:
        for topic in TOPICS:
            try:
                admin.create_topics([topic])
            except TopicAlreadyExistsError:
                continue
        wanted = [
            acl
            for name, grants in PRINCIPALS.items()
            for acl in acls(logins[name].username, grants)
        ]
        # Creating an ACL that exists already changes nothing.
        result = admin.create_acls(wanted)
        if result["failed"]:
            raise SystemExit(f"kafka: creating ACLs failed: {result['failed']}")
    finally:
        admin.close()


def main() -> None:
    logins = {name: KafkaClients.from_env(name) for name in PRINCIPALS}
    store_credentials(logins)
    provision(logins)
    print(
        f"kafka: {len(logins)} principals, {len(TOPICS)} topics, ACLs provisioned",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
