#!/usr/bin/env bash
# The stack's private PostgreSQL 15 cluster: install | run | ready | init.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$HERE/env.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DATA=$STATE_DIR/postgres/data
PG_SOCKET_DIR=$STATE_DIR/postgres/socket
# initdb and postgres refuse to run as root: root runs the cluster as the `postgres` OS user.
if [ "$(id -u)" = 0 ]; then PG_OS_USER=postgres; else PG_OS_USER=$(id -un); fi

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

as_pg_user_exec() {
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups -- "$@"
  fi
  exec "$@"
}

install() {
  if [ ! -x "$PG_BIN/postgres" ]; then
    [ "$(id -u)" = 0 ] || { echo "postgres: install postgresql-15 (apt-get install postgresql-15)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 postgresql-client-15
  fi
  mkdir -p "$STATE_DIR/postgres" "$PG_SOCKET_DIR"
  chown "$PG_OS_USER" "$STATE_DIR/postgres" "$PG_SOCKET_DIR"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    # Local socket: the cluster's OS user (and root through it) administers; TCP needs a password.
    cat >"$PG_DATA/pg_hba.conf" <<HBA
local   all          all                       peer map=admins
host    all          all          127.0.0.1/32 scram-sha-256
host    all          all          ::1/128      scram-sha-256
host    replication  task_relay   127.0.0.1/32 scram-sha-256
HBA
    cat >"$PG_DATA/pg_ident.conf" <<IDENT
admins  $PG_OS_USER  postgres
admins  root         postgres
IDENT
    chown "$PG_OS_USER" "$PG_DATA/pg_hba.conf" "$PG_DATA/pg_ident.conf"
  fi
}

run() {
  as_pg_user_exec "$PG_BIN/postgres" -D "$PG_DATA" -c "config_file=$HERE/postgres/postgresql.conf" \
    -c "listen_addresses=$PG_HOST" -p "$PG_PORT" -c "unix_socket_directories=$PG_SOCKET_DIR"
}

ready() {
  "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -t 2
}

psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

init() {
  psql_admin -d postgres \
    -v tasks_owner_password="${TASKS_OWNER_DB_PASSWORD:-tasks-owner-dev-only-password}" \
    -v task_api_password="${TASK_API_DB_PASSWORD:-task-api-dev-only-password}" \
    -v task_relay_password="${TASK_RELAY_DB_PASSWORD:-task-relay-dev-only-password}" \
    -v task_reminders_password="${TASK_REMINDERS_DB_PASSWORD:-task-reminders-dev-only-password}" \
    -v notifications_owner_password="${NOTIFICATIONS_OWNER_DB_PASSWORD:-notifications-owner-dev-only-password}" \
    -v notification_consumer_password="${NOTIFICATION_CONSUMER_DB_PASSWORD:-notification-consumer-dev-only-password}" \
    -v keycloak_password="${KEYCLOAK_DB_PASSWORD:-keycloak-dev-only-password}" \
    -v monitoring_password="${MONITORING_DB_PASSWORD:-monitoring-dev-only-password}" \
    -f "$HERE/postgres/provision.sql"
}

"$@"
