#!/usr/bin/env bash
# blackbox_exporter: probes what has no metrics of its own: the mail sink's SMTP greeting
# (observability/blackbox/blackbox.yml; Prometheus names the targets).
# Usage: blackbox-exporter.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

# Debian's package; compose runs the same version's image.
BIN=prometheus-blackbox-exporter
CONFIG=$TASKWIRE_ROOT/observability/blackbox/blackbox.yml

cmd_install() {
  command -v "$BIN" >/dev/null 2>&1 && return 0
  if [[ $EUID -ne 0 ]]; then
    echo "blackbox-exporter: not installed; run as root: apt-get install -y --no-install-recommends prometheus-blackbox-exporter" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus-blackbox-exporter \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus-blackbox-exporter; }
}

cmd_run() {
  exec "$BIN" --config.file="$CONFIG" --web.listen-address="127.0.0.1:$BLACKBOX_EXPORTER_PORT"
}

cmd_ready() {
  curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$BLACKBOX_EXPORTER_PORT/-/healthy"
}

cmd_check() { cmd_install && "$BIN" --config.file="$CONFIG" --config.check; }

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  *) echo "usage: $0 install|run|ready|check" >&2; exit 2 ;;
esac
