#!/usr/bin/env bash
# Alertmanager: groups, deduplicates and inhibits the alerts Prometheus sends.
# Usage: alertmanager.sh install|run|ready|check|reload
#   reload  re-render the configuration (e.g. with other group timings) and make the running
#           Alertmanager read it
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"
# shellcheck source=scripts/stack/go-build.sh
source "$(dirname "$0")/go-build.sh"

CONFIG=$TASKWIRE_ROOT/observability/alertmanager/alertmanager.yml
HOME_DIR=$STATE_DIR/alertmanager
# The server is built from the Go module proxy ($ALERTMANAGER_VERSION, with its web UI); Debian's
# package (0.25, no web UI) brings amtool, which checks the configuration.
BIN=$OPT_DIR/bin/alertmanager
# The group timings of the route; the end-to-end alert test shortens them (see render).
ALERTMANAGER_GROUP_WAIT=${ALERTMANAGER_GROUP_WAIT:-30s}
ALERTMANAGER_GROUP_INTERVAL=${ALERTMANAGER_GROUP_INTERVAL:-5m}

# The native copy of the shared configuration: the mail sink on 127.0.0.1:$SMTP_PORT instead of
# compose's mailsink:1025, and the group timings from the environment. Fails when a line it
# rewrites is no longer in the file, so the two copies cannot drift apart silently.
render() {
  local out=$1 line
  for line in '  smtp_smarthost: mailsink:1025' '  group_wait: 30s' '  group_interval: 5m'; do
    grep -qxF -- "$line" "$CONFIG" || { echo "alertmanager: '$line' not in $CONFIG" >&2; exit 1; }
  done
  sed -e "s/^  smtp_smarthost: mailsink:1025\$/  smtp_smarthost: 127.0.0.1:$SMTP_PORT/" \
    -e "s/^  group_wait: 30s\$/  group_wait: $ALERTMANAGER_GROUP_WAIT/" \
    -e "s/^  group_interval: 5m\$/  group_interval: $ALERTMANAGER_GROUP_INTERVAL/" \
    "$CONFIG" >"$out.tmp"
  mv "$out.tmp" "$out"
}

build_alertmanager() {
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin "$(go_cmd alertmanager)" install \
    "github.com/prometheus/alertmanager/cmd/alertmanager@$ALERTMANAGER_VERSION"
  mv "$gobin/alertmanager" "$1"
  rm -rf "$gobin"
}

cmd_install() {
  cached_go_build alertmanager "$ALERTMANAGER_VERSION" "$BIN" build_alertmanager
  if command -v amtool >/dev/null 2>&1; then
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
  rm -f "$HOME_DIR/alertmanager.yml"  # once a symlink to the shared file
  render "$HOME_DIR/alertmanager.yml"
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

cmd_reload() {
  render "$HOME_DIR/alertmanager.yml"
  amtool check-config "$HOME_DIR/alertmanager.yml" >/dev/null
  curl -fsS --max-time 10 -o /dev/null -X POST "http://127.0.0.1:$ALERTMANAGER_PORT/-/reload"
}

# Both copies: compose's (the file as it is) and the native rendering.
cmd_check() {
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" EXIT
  amtool check-config "$CONFIG"
  render "$tmp/alertmanager.yml"
  amtool check-config "$tmp/alertmanager.yml"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  reload) cmd_reload ;;
  *) echo "usage: $0 install|run|ready|check|reload" >&2; exit 2 ;;
esac
