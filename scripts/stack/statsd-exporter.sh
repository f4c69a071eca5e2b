#!/usr/bin/env bash
# statsd_exporter: receives the services' StatsD lines (UDP) and serves them as Prometheus metrics.
# Usage: statsd-exporter.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

BIN=$OPT_DIR/bin/statsd_exporter
MAPPING=$TASKWIRE_ROOT/observability/statsd/mapping.yml

go_cmd() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    echo "statsd-exporter: Go is needed to build statsd_exporter and was not found" >&2
    exit 1
  fi
}

cmd_install() {
  if [[ -x $BIN ]]; then
    return 0
  fi
  mkdir -p "$OPT_DIR/bin"
  GOBIN=$OPT_DIR/bin "$(go_cmd)" install "github.com/prometheus/statsd_exporter@$STATSD_EXPORTER_VERSION"
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
