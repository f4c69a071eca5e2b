#!/usr/bin/env bash
# statsd_exporter: receives the services' StatsD lines (UDP) and serves them as Prometheus metrics.
# Usage: statsd-exporter.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"
# shellcheck source=scripts/stack/go-build.sh
source "$(dirname "$0")/go-build.sh"

BIN=$OPT_DIR/bin/statsd_exporter
MAPPING=$TASKWIRE_ROOT/observability/statsd/mapping.yml

build_statsd_exporter() {
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin "$(go_cmd statsd_exporter)" install \
    "github.com/prometheus/statsd_exporter@$STATSD_EXPORTER_VERSION"
  mv "$gobin/statsd_exporter" "$1"
  rm -rf "$gobin"
}

cmd_install() {
  cached_go_build statsd_exporter "$STATSD_EXPORTER_VERSION" "$BIN" build_statsd_exporter
}

cmd_check() {
  cmd_install
  "$BIN" --check-config --statsd.mapping-config="$MAPPING" --log.level=warn
}

cmd_run() {
  # Only InfluxDB (`name,k=v`) and DogStatsD (`|#k:v`) tags: Librato `#` and SignalFX `[...]`
  # parsing would misread route templates.
  exec "$BIN" \
    --statsd.mapping-config="$MAPPING" \
    --statsd.listen-udp="127.0.0.1:$STATSD_PORT" \
    --statsd.listen-tcp="" \
    --no-statsd.parse-librato-tags \
    --no-statsd.parse-signalfx-tags \
    --web.listen-address="127.0.0.1:$STATSD_EXPORTER_PORT"
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$STATSD_EXPORTER_PORT/-/ready"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  *) echo "usage: $0 install|run|ready|check" >&2; exit 2 ;;
esac
