#!/usr/bin/env bash
# Compose only: the postgres image runs this once, on its first start, as the database's
# superuser; it applies the same provisioning as `make up` (scripts/stack/postgres.sh init).
set -euo pipefail
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" -d postgres \
  -v tasks_owner_password="$TASKS_OWNER_DB_PASSWORD" \
  -v task_api_password="$TASK_API_DB_PASSWORD" \
  -v task_relay_password="$TASK_RELAY_DB_PASSWORD" \
  -v task_reminders_password="$TASK_REMINDERS_DB_PASSWORD" \
  -v notifications_owner_password="$NOTIFICATIONS_OWNER_DB_PASSWORD" \
  -v notification_consumer_password="$NOTIFICATION_CONSUMER_DB_PASSWORD" \
  -v keycloak_password="$KEYCLOAK_DB_PASSWORD" \
  -v monitoring_password="$MONITORING_DB_PASSWORD" \
  -f /etc/taskwire/provision.sql
