#!/usr/bin/env bash
# postgres_exporter: PostgreSQL's statistics as Prometheus metrics, read as the `monitoring`
# role, which has pg_monitor and nothing else (scripts/stack/postgres/provision.sql).
# Usage: postgres-exporter.sh install|run|ready
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

# Debian's package; compose runs the same version's image.
BIN=prometheus-postgres-exporter

cmd_install() {
  command -v "$BIN" >/dev/null 2>&1 && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "postgres-exporter: not installed; run as root: apt-get install -y --no-install-recommends prometheus-postgres-exporter" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus-postgres-exporter \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus-postgres-exporter; }
}

cmd_run() {
  # A dev-only default password, like every other role's (docs/operations.md).
  export DATA_SOURCE_NAME="postgresql://monitoring:${MONITORING_DB_PASSWORD:-monitoring-dev-only-password}@$PG_HOST:$PG_PORT/postgres?sslmode=disable"
  exec "$BIN" --web.listen-address="127.0.0.1:$POSTGRES_EXPORTER_PORT"
}

cmd_ready() {
  curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$POSTGRES_EXPORTER_PORT/metrics"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  *) echo "usage: $0 install|run|ready" >&2; exit 2 ;;
esac
