#!/usr/bin/env bash
# API gateway (nginx): the single public entry point, routing to the services and serving the
# web console. Usage: gateway.sh install|run|ready|check
set -euo pipefail
# shellcheck source=scripts/stack/env.sh
source "$(dirname "$0")/env.sh"

SRC=$TASKWIRE_ROOT/gateway
GATEWAY_HOME=${GATEWAY_HOME:-$STATE_DIR/gateway}
# shellcheck disable=SC2016 # literal lists of names for envsubst
TEMPLATE_VARS='${GATEWAY_LISTEN} ${GATEWAY_STATUS_LISTEN} ${GATEWAY_RESOLVER} ${TASK_API_UPSTREAM} ${USER_FACADE_UPSTREAM} ${NOTIFICATIONS_UPSTREAM} ${CONSOLE_ROOT} ${CONSOLE_VENDOR} ${KEYCLOAK_ISSUER}'
# The console's browser libraries: npm ci of gateway/console's lock file, then the files that
# vendor.txt names, copied to CONSOLE_VENDOR.
CONSOLE_SRC=$SRC/console
CONSOLE_INSTALL=$OPT_DIR/console

# The first IPv4 nameserver of the host; only used if an upstream is given as a host name.
host_resolver() {
  awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2; exit }' /etc/resolv.conf 2>/dev/null \
    | grep . || echo 127.0.0.1
}

export GATEWAY_HOME
export GATEWAY_LISTEN=${GATEWAY_LISTEN:-127.0.0.1:$GATEWAY_PORT}
export GATEWAY_STATUS_LISTEN=${GATEWAY_STATUS_LISTEN:-127.0.0.1:$GATEWAY_STATUS_PORT}
export TASK_API_UPSTREAM=${TASK_API_UPSTREAM:-127.0.0.1:$TASK_API_PORT}
export USER_FACADE_UPSTREAM=${USER_FACADE_UPSTREAM:-127.0.0.1:$USER_FACADE_PORT}
export NOTIFICATIONS_UPSTREAM=${NOTIFICATIONS_UPSTREAM:-127.0.0.1:$NOTIFICATIONS_PORT}
export GATEWAY_RESOLVER=${GATEWAY_RESOLVER:-$(host_resolver)}
export CONSOLE_ROOT=${CONSOLE_ROOT:-$CONSOLE_SRC/public}
export CONSOLE_VENDOR=${CONSOLE_VENDOR:-$CONSOLE_INSTALL/vendor}
export KEYCLOAK_ISSUER=${KEYCLOAK_ISSUER:-http://localhost:$KEYCLOAK_PORT/realms/taskwire}

render() {
  local home=$1
  mkdir -p "$home/conf.d"
  # shellcheck disable=SC2016
  GATEWAY_HOME=$home envsubst '${GATEWAY_HOME}' <"$SRC/nginx.conf.template" >"$home/nginx.conf"
  local template out
  for template in "$SRC"/templates/*.conf.template; do
    out=$home/conf.d/$(basename "$template" .template)
    envsubst "$TEMPLATE_VARS" <"$template" >"$out"
  done
}

nginx_args() {
  local home=$1
  local args=(-p "$home/" -c "$home/nginx.conf" -e stderr)
  # As root, nginx would run its workers as `nobody`, who cannot write the temp dirs here.
  if [[ $EUID -eq 0 ]]; then
    args+=(-g "user $(id -un) $(id -gn);")
  fi
  printf '%s\0' "${args[@]}"
}

console_stamp() {
  { cat "$CONSOLE_SRC/package.json" "$CONSOLE_SRC/package-lock.json" "$CONSOLE_SRC/vendor.txt"; } |
    sha256sum | cut -d' ' -f1
}

install_console() {
  local key src dest
  key=$(console_stamp)
  [[ -f $CONSOLE_INSTALL/.installed && $(<"$CONSOLE_INSTALL/.installed") == "$key" ]] && return 0
  command -v npm >/dev/null || { echo "gateway: npm is not installed" >&2; exit 1; }
  mkdir -p "$CONSOLE_INSTALL"
  rm -rf "$CONSOLE_INSTALL/.installed" "$CONSOLE_INSTALL/vendor"
  cp "$CONSOLE_SRC/package.json" "$CONSOLE_SRC/package-lock.json" "$CONSOLE_INSTALL/"
  # No package of the tree has an install script; they are browser files only.
  (cd "$CONSOLE_INSTALL" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  while read -r src dest; do
    [[ -z $src || $src == \#* ]] && continue
    install -D -m 0644 "$CONSOLE_INSTALL/node_modules/$src" "$CONSOLE_INSTALL/vendor/$dest"
  done <"$CONSOLE_SRC/vendor.txt"
  echo "$key" >"$CONSOLE_INSTALL/.installed"
}

cmd_install() {
  install_console
  if command -v nginx >/dev/null 2>&1 && command -v envsubst >/dev/null 2>&1; then
    return 0
  fi
  if [[ $EUID -ne 0 ]]; then
    echo "gateway: nginx or envsubst missing; run as root: apt-get install -y --no-install-recommends nginx-light gettext-base" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends nginx-light gettext-base \
    || { apt-get update && apt-get install -y --no-install-recommends nginx-light gettext-base; }
}

cmd_run() {
  local args=()
  render "$GATEWAY_HOME"
  mapfile -d '' args < <(nginx_args "$GATEWAY_HOME")
  exec nginx "${args[@]}"
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/healthz"
}

# `nginx -t` on the native rendering and on the compose values; writes only to a temp dir.
cmd_check() {
  local tmp args=()
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" EXIT
  render "$tmp/native"
  mapfile -d '' args < <(nginx_args "$tmp/native")
  nginx -t -q "${args[@]}"
  GATEWAY_LISTEN=8080 GATEWAY_STATUS_LISTEN=127.0.0.1:8081 GATEWAY_RESOLVER=127.0.0.11 TASK_API_UPSTREAM=task-api:8001 \
    USER_FACADE_UPSTREAM=172.30.80.81:8002 NOTIFICATIONS_UPSTREAM=notification-api:8003 \
    CONSOLE_ROOT=/etc/taskwire/console CONSOLE_VENDOR=/usr/share/taskwire/console-vendor \
    KEYCLOAK_ISSUER=http://localhost:8180/realms/taskwire \
    render "$tmp/compose"
  mapfile -d '' args < <(nginx_args "$tmp/compose")
  nginx -t -q "${args[@]}"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  check) cmd_check ;;
  *) echo "usage: $0 install|run|ready|check" >&2; exit 2 ;;
esac
