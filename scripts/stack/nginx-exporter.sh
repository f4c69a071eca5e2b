#!/usr/bin/env bash
# nginx-prometheus-exporter: the gateway's stub_status (connections, requests) as Prometheus
# metrics, read from the gateway's loopback-only status server (gateway/templates/status.conf.template).
# Usage: nginx-exporter.sh install|run|ready
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

# Debian's package; compose runs the same version's image.
BIN=prometheus-nginx-exporter

cmd_install() {
  command -v "$BIN" >/dev/null 2>&1 && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "nginx-exporter: not installed; run as root: apt-get install -y --no-install-recommends prometheus-nginx-exporter" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus-nginx-exporter \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus-nginx-exporter; }
}

cmd_run() {
  # It exits when the gateway does not answer at start; supervisord starts it again.
  exec "$BIN" -web.listen-address="127.0.0.1:$NGINX_EXPORTER_PORT" \
    -nginx.scrape-uri="http://127.0.0.1:$GATEWAY_STATUS_PORT/stub_status" \
    -nginx.retries=12
}

cmd_ready() {
  curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$NGINX_EXPORTER_PORT/metrics"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  *) echo "usage: $0 install|run|ready" >&2; exit 2 ;;
esac
