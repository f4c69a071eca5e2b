#!/usr/bin/env bash
# Prometheus: scrapes statsd_exporter (the services' metrics), evaluates the alert rules and
# sends alerts to Alertmanager.
# Usage: prometheus.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

SRC=$TASKWIRE_ROOT/observability/prometheus
HOME_DIR=$STATE_DIR/prometheus
# shellcheck disable=SC2016 # a literal list of names for envsubst
TARGET_VARS='${PROMETHEUS_PORT} ${STATSD_EXPORTER_PORT} ${ALERTMANAGER_PORT} ${POSTGRES_EXPORTER_PORT} ${KAFKA_JMX_EXPORTER_PORT} ${KAFKA_LAG_EXPORTER_PORT} ${KEYCLOAK_MGMT_PORT} ${NGINX_EXPORTER_PORT} ${BLACKBOX_EXPORTER_PORT} ${SMTP_PORT}'

# Lays out <dir>/prometheus.yml, rules/ and targets/ the way prometheus.yml expects them;
# <flavour> is `native` (rendered from targets/native/*.template) or `compose`.
stage_config() {
  local dir=$1 flavour=$2 template out
  mkdir -p "$dir/targets"
  ln -sfn "$SRC/prometheus.yml" "$dir/prometheus.yml"
  ln -sfn "$SRC/rules" "$dir/rules"
  rm -f "$dir"/targets/*.yml
  if [[ $flavour == native ]]; then
    for template in "$SRC"/targets/native/*.yml.template; do
      out=$dir/targets/$(basename "$template" .template)
      envsubst "$TARGET_VARS" <"$template" >"$out"
    done
  else
    cp "$SRC"/targets/compose/*.yml "$dir/targets/"
  fi
}

cmd_install() {
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    return 0
  fi
  if [[ $EUID -ne 0 ]]; then
    echo "prometheus: not installed; run as root: apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus \
    || { apt-get update && apt-get install -y --no-install-recommends prometheus; }
}

cmd_run() {
  stage_config "$HOME_DIR/config" native
  mkdir -p "$HOME_DIR/data"
  exec prometheus \
    --config.file="$HOME_DIR/config/prometheus.yml" \
    --storage.tsdb.path="$HOME_DIR/data" \
    --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
}

# Static checks of both layouts plus the rule unit tests; writes only to a temp dir.
cmd_check() {
  local tmp flavour
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" EXIT
  for flavour in native compose; do
    stage_config "$tmp/$flavour" "$flavour"
    promtool check config "$tmp/$flavour/prometheus.yml"
  done
  promtool test rules "$SRC"/tests/*.yml
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  *) echo "usage: $0 install|run|ready|check" >&2; exit 2 ;;
esac
