#!/usr/bin/env bash
# Alertmanager: groups, deduplicates and inhibits the alerts Prometheus sends.
# Usage: alertmanager.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

CONFIG=$TASKWIRE_ROOT/observability/alertmanager/alertmanager.yml
HOME_DIR=$STATE_DIR/alertmanager
# Debian names the server binary prometheus-alertmanager.
BIN=prometheus-alertmanager

cmd_install() {
  if command -v "$BIN" >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
    return 0
  fi
  if [[ $EUID -ne 0 ]]; then
    echo "alertmanager: not installed; run as root: apt-get install -y --no-install-recommends prometheus-alertmanager" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus-alertmanager \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus-alertmanager; }
}

cmd_run() {
  mkdir -p "$HOME_DIR/data"
  ln -sfn "$CONFIG" "$HOME_DIR/alertmanager.yml"
  # A single instance: clustering off, so no gossip port is opened.
  exec "$BIN" \
    --config.file="$HOME_DIR/alertmanager.yml" \
    --storage.path="$HOME_DIR/data" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
    --cluster.listen-address=
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
}

cmd_check() {
  amtool check-config "$CONFIG"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  *) echo "usage: $0 install|run|ready|check" >&2; exit 2 ;;
esac
