# Ports, paths and versions of the native stack; sourced by every stack script.
# Every value can be overridden from the environment; the defaults are the contract's.
# shellcheck shell=bash

TASKWIRE_ROOT=${TASKWIRE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
STATE_DIR=${STATE_DIR:-$TASKWIRE_ROOT/.state}        # all runtime state (git-ignored)
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/taskwire}        # downloads, kept across resets
OPT_DIR=$STATE_DIR/opt                               # unpacked third-party runtimes
LOG_DIR=$STATE_DIR/log
RUN_DIR=$STATE_DIR/run

# Versions (pinned; compose.yml uses the same ones).
KEYCLOAK_VERSION=${KEYCLOAK_VERSION:-26.7.3}
KAFKA_VERSION=${KAFKA_VERSION:-4.3.1}
STATSD_EXPORTER_VERSION=${STATSD_EXPORTER_VERSION:-v0.28.0}
# Alertmanager from the Go module proxy: v0.31.1 is the last release with its web UI built in.
ALERTMANAGER_VERSION=${ALERTMANAGER_VERSION:-v0.31.1}
# The Prometheus JMX exporter's Java agent in Kafka's JVM (the last release on Maven Central).
JMX_EXPORTER_VERSION=${JMX_EXPORTER_VERSION:-1.0.1}

# Ports.
export PG_HOST=${PG_HOST:-127.0.0.1}
export PG_PORT=${PG_PORT:-5432}
export KAFKA_PORT=${KAFKA_PORT:-9092}
export KAFKA_BROKER_PORT=${KAFKA_BROKER_PORT:-29092}  # the node's inter-broker listener
export KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-29093}
export KEYCLOAK_PORT=${KEYCLOAK_PORT:-8180}
export KEYCLOAK_MGMT_PORT=${KEYCLOAK_MGMT_PORT:-9000}
export SMTP_PORT=${SMTP_PORT:-1025}
export MAIL_HTTP_PORT=${MAIL_HTTP_PORT:-8025}
export STATSD_PORT=${STATSD_PORT:-9125}
export STATSD_EXPORTER_PORT=${STATSD_EXPORTER_PORT:-9102}
export PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
export ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-9093}
# Exporters of the components (docs/operations.md, "Monitoring").
export POSTGRES_EXPORTER_PORT=${POSTGRES_EXPORTER_PORT:-9187}
export KAFKA_JMX_EXPORTER_PORT=${KAFKA_JMX_EXPORTER_PORT:-9404}   # agent inside the broker
export KAFKA_LAG_EXPORTER_PORT=${KAFKA_LAG_EXPORTER_PORT:-9308}
export NGINX_EXPORTER_PORT=${NGINX_EXPORTER_PORT:-9113}
export BLACKBOX_EXPORTER_PORT=${BLACKBOX_EXPORTER_PORT:-9115}
export GATEWAY_STATUS_PORT=${GATEWAY_STATUS_PORT:-8081}           # stub_status, loopback only
export GATEWAY_PORT=${GATEWAY_PORT:-8080}
export TASK_API_PORT=${TASK_API_PORT:-8001}
export USER_FACADE_PORT=${USER_FACADE_PORT:-8002}
export NOTIFICATIONS_PORT=${NOTIFICATIONS_PORT:-8003}
# The web console's public base URL, which e-mails link to (the gateway's, in development).
export NOTIFICATIONS_CONSOLE_URL=${NOTIFICATIONS_CONSOLE_URL:-http://localhost:$GATEWAY_PORT}

export TASKWIRE_ROOT STATE_DIR CACHE_DIR OPT_DIR LOG_DIR RUN_DIR
export KEYCLOAK_VERSION KAFKA_VERSION STATSD_EXPORTER_VERSION ALERTMANAGER_VERSION JMX_EXPORTER_VERSION
# Health/metrics ports of the background workers.
export RELAY_PORT=${RELAY_PORT:-8004}                      # outbox relay, active or standby
export RELAY_STANDBY_PORT=${RELAY_STANDBY_PORT:-8005}      # the second relay instance
export NOTIFICATION_WORKER_PORT=${NOTIFICATION_WORKER_PORT:-8006}  # Kafka consumer worker
export REMINDERS_PORT=${REMINDERS_PORT:-8007}              # due-date reminder scheduler
