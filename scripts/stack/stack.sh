#!/usr/bin/env bash
# The native stack: install | up | down | status | logs | memory | stop|restart NAME... | reset. `make up` and friends call this.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$HERE/env.sh"
VENV=$TASKWIRE_ROOT/.venv
SUPERVISOR_CONF=$HERE/supervisord.conf
READY_TIMEOUT=${READY_TIMEOUT:-240}

# Start order: each phase waits for the previous one to be ready.
INFRA=(postgres)
BACKING=(kafka keycloak mailsink statsd-exporter alertmanager)
SERVICES=(task-api notification-api user-facade gateway relay relay-standby notification-worker reminders)
# Last, once everything it watches is up: a Prometheus started earlier would see the services
# still starting and e-mail their down alerts during every `make up`.
MONITORING=(postgres-exporter kafka-lag-exporter nginx-exporter blackbox-exporter prometheus)
ALL=("${INFRA[@]}" "${BACKING[@]}" "${SERVICES[@]}" "${MONITORING[@]}")
# What `make install` installs (the Python services come with `uv sync`).
INSTALLED=(postgres kafka keycloak mailsink statsd-exporter alertmanager gateway
  postgres-exporter kafka-lag-exporter nginx-exporter blackbox-exporter prometheus)

component_script() {
  case $1 in
    keycloak) echo "$TASKWIRE_ROOT/keycloak/keycloak.sh" ;;
    *) echo "$HERE/$1.sh" ;;
  esac
}

is_ready() {
  case $1 in
    task-api) http_ready "$TASK_API_PORT" ;;
    user-facade) http_ready "$USER_FACADE_PORT" ;;
    notification-api) http_ready "$NOTIFICATIONS_PORT" ;;
    notification-worker) http_ready "$NOTIFICATION_WORKER_PORT" ;;
    relay) http_ready "$RELAY_PORT" ;;
    relay-standby) http_ready "$RELAY_STANDBY_PORT" ;;
    reminders) http_ready "$REMINDERS_PORT" ;;
    *) "$(component_script "$1")" ready >/dev/null 2>&1 ;;
  esac
}

http_ready() { curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$1/readyz"; }

sv() { "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"; }

supervisor_running() { [ -S "$RUN_DIR/supervisor.sock" ] && sv pid >/dev/null 2>&1; }

process_state() { sv status "$1" 2>/dev/null | awk '{print $2}' || true; }

not_ready() {
  echo "NOT READY: $1: $2 (log: $LOG_DIR/$1.log)" >&2
  grep -E 'ERROR|FATAL|Error|error' "$LOG_DIR/$1.log" 2>/dev/null | tail -n 5 | sed "s/^/  $1| /" >&2 || true
  tail -n 10 "$LOG_DIR/$1.log" 2>/dev/null | sed "s/^/  $1| /" >&2 || true
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) pending=("$@") still=()
  while :; do
    still=()
    for name in "${pending[@]}"; do is_ready "$name" || still+=("$name"); done
    [ ${#still[@]} -eq 0 ] && return 0
    for name in "${still[@]}"; do
      # supervisord gave up restarting it: waiting longer cannot help.
      if [[ $(process_state "$name") =~ ^(FATAL|EXITED|STOPPED)$ ]]; then
        not_ready "$name" "its process is $(process_state "$name")"
        return 1
      fi
    done
    if [ $SECONDS -ge $deadline ]; then
      for name in "${still[@]}"; do not_ready "$name" "not healthy after ${READY_TIMEOUT}s"; done
      return 1
    fi
    pending=("${still[@]}")
    sleep 1
  done
}

start() {
  for name in "$@"; do
    [ "$(process_state "$name")" = RUNNING ] || sv start "$name" >/dev/null || true
  done
}

# Every download and build the stack needs, without starting anything (idempotent; cached).
install() {
  mkdir -p "$STATE_DIR" "$CACHE_DIR" "$OPT_DIR" "$LOG_DIR" "$RUN_DIR"
  "$HERE/prereqs.sh"
  (cd "$TASKWIRE_ROOT" && uv sync --all-packages --frozen --quiet)
  echo "==> installing components (cached downloads in $CACHE_DIR, ~/.m2, ~/.npm, Go's cache)"
  local pids=() name
  for name in "${INSTALLED[@]}"; do
    "$(component_script "$name")" install >"$LOG_DIR/install-$name.log" 2>&1 &
    pids+=($!)
  done
  local failed=0 i=0
  for name in "${INSTALLED[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "install of $name failed (log: $LOG_DIR/install-$name.log)" >&2
      tail -n 20 "$LOG_DIR/install-$name.log" >&2
      failed=1
    fi
    i=$((i + 1))
  done
  [ $failed = 0 ] || exit 1
}

up() {
  local began=$SECONDS
  mkdir -p "$STATE_DIR" "$CACHE_DIR" "$OPT_DIR" "$LOG_DIR" "$RUN_DIR"
  # One `make up` at a time: a second one waits, then finds everything up.
  exec 9>"$RUN_DIR/up.lock"
  flock 9
  install

  # The daemon must not inherit the lock's descriptor, or it would hold the lock for its life.
  supervisor_running || "$VENV/bin/supervisord" -c "$SUPERVISOR_CONF" 9>&-
  sv update >/dev/null  # a running supervisord picks up programs added to its config
  echo "==> starting postgres"
  start postgres && wait_ready postgres
  "$HERE/postgres.sh" init
  (cd "$TASKWIRE_ROOT/task-api" && "$VENV/bin/alembic" upgrade head 2>"$LOG_DIR/migrate-task-api.log")
  (cd "$TASKWIRE_ROOT/notification-consumer" &&
    "$VENV/bin/alembic" upgrade head 2>"$LOG_DIR/migrate-notification-consumer.log")

  echo "==> starting ${BACKING[*]}"
  start "${BACKING[@]}"
  start task-api notification-api
  wait_ready kafka && "$HERE/kafka.sh" init
  wait_ready "${BACKING[@]}"
  echo "==> starting ${SERVICES[*]}"
  start "${SERVICES[@]}"
  wait_ready "${SERVICES[@]}"
  echo "==> starting ${MONITORING[*]}"
  start "${MONITORING[@]}"
  wait_ready "${MONITORING[@]}"
  echo "==> all healthy in $((SECONDS - began))s"
  urls
}

urls() {
  cat <<URLS
  API gateway      http://localhost:$GATEWAY_PORT
  Keycloak         http://localhost:$KEYCLOAK_PORT  (admin console: admin / admin, dev only)
  Mail sink        http://localhost:$MAIL_HTTP_PORT  (SMTP localhost:$SMTP_PORT)
  Prometheus       http://localhost:$PROMETHEUS_PORT/classic/alerts  (also /classic/targets, /classic/graph)
  Alertmanager     http://localhost:$ALERTMANAGER_PORT  (every alert is also e-mailed to ops@taskwire.example at the mail sink)
  PostgreSQL       127.0.0.1:$PG_PORT
  Kafka            127.0.0.1:$KAFKA_PORT
URLS
}

down() {
  if supervisor_running; then
    sv stop all >/dev/null || true
    sv shutdown >/dev/null || true
    echo "stack stopped (data kept in $STATE_DIR; 'make reset' deletes it)"
  else
    echo "stack is not running"
  fi
}

status() {
  if ! supervisor_running; then
    echo "stack is not running ('make up' starts it)"
    return 3
  fi
  local bad=0 name process health
  printf '%-20s %-10s %s\n' COMPONENT PROCESS HEALTH
  for name in "${ALL[@]}"; do
    process=$(process_state "$name")
    if is_ready "$name"; then health=ready; else health=NOT-READY; bad=1; fi
    [ "$process" = RUNNING ] || bad=1
    printf '%-20s %-10s %s\n' "$name" "${process:-UNKNOWN}" "$health"
  done
  return $bad
}

stop() { sv stop "$@"; }

restart() {
  sv restart "$@"
  wait_ready "$@"
}

# Resident memory of each component: its supervised process and all its descendants.
memory() {
  supervisor_running || { echo "stack is not running" >&2; return 3; }
  local total=0 name pid kib
  printf '%-18s %10s\n' COMPONENT RSS_MIB
  for name in "${ALL[@]}"; do
    pid=$(sv pid "$name" 2>/dev/null || echo 0)
    [[ $pid =~ ^[1-9][0-9]*$ ]] || { printf '%-18s %10s\n' "$name" "-"; continue; }
    kib=$(tree_rss_kib "$pid")
    total=$((total + kib))
    printf '%-18s %10d\n' "$name" $((kib / 1024))
  done
  printf '%-18s %10d\n' TOTAL $((total / 1024))
}

tree_rss_kib() {
  local pids
  pids=$(ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q && q != root) q = parent[q]; if (q == root) print p } }')
  # shellcheck disable=SC2086 # one pid per word
  ps -o rss= -p "$(echo $pids | tr ' ' ',')" | awk '{ s += $1 } END { print s + 0 }'
}

logs() { tail -n "${LINES:-20}" -F "$LOG_DIR"/*.log; }

reset() {
  down
  rm -rf "$STATE_DIR"
  echo "state deleted; downloads stay cached in $CACHE_DIR"
}

"$@"
