#!/usr/bin/env bash
# Kafka's topic end offsets and consumer-group lag per partition as Prometheus metrics
# (observability/kafka-lag-exporter: a small franz-go exporter, see docs/decisions.md).
# Usage: kafka-lag-exporter.sh install|run|ready
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"
# shellcheck source=scripts/stack/go-build.sh
source "$(dirname "$0")/go-build.sh"

SRC=$TASKWIRE_ROOT/observability/kafka-lag-exporter
BIN=$OPT_DIR/bin/kafka-lag-exporter

# The cache key is the source itself: any change to it builds a new binary.
source_key() { cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-16; }

build() { (cd "$SRC" && "$(go_cmd kafka-lag-exporter)" build -trimpath -o "$1" .); }

cmd_install() { cached_go_build kafka-lag-exporter "$(source_key)" "$BIN" build; }

cmd_run() {
  # The read-only Kafka principal `monitoring` (docs/operations.md, "Kafka principals and ACLs").
  export KAFKA_SASL_USERNAME=monitoring KAFKA_SASL_MECHANISM=SCRAM-SHA-512
  export KAFKA_SASL_PASSWORD=${MONITORING_KAFKA_PASSWORD:-monitoring-kafka-dev-only-password}
  exec "$BIN" --web.listen-address="127.0.0.1:$KAFKA_LAG_EXPORTER_PORT" \
    --kafka.server="127.0.0.1:$KAFKA_PORT"
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$KAFKA_LAG_EXPORTER_PORT/-/healthy"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  *) echo "usage: $0 install|run|ready" >&2; exit 2 ;;
esac
