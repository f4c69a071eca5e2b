#!/usr/bin/env bash
# Native Kafka of the dev stack: one KRaft node that is broker and controller, listening on
# 127.0.0.1:$KAFKA_PORT (clients, SASL/SCRAM-SHA-512), 127.0.0.1:$KAFKA_BROKER_PORT (the node's
# own inter-broker listener, SASL/PLAIN) and 127.0.0.1:$KAFKA_CONTROLLER_PORT (controller quorum,
# SASL/PLAIN). Principals and ACLs: docs/operations.md.
# Jars come from Maven Central (scripts/stack/kafka/pom.xml; ~/.m2 is the download cache).
#
#   kafka.sh install       assemble $OPT_DIR/kafka-$KAFKA_VERSION/libs, render the config and
#                          format $STATE_DIR/kafka/data once (idempotent, fast when done)
#   kafka.sh run           exec the node in the foreground, logs to stdout (for supervisord)
#   kafka.sh ready         exit 0 iff the client listener answers a SASL handshake for SCRAM
#   kafka.sh init          provision principals, topics and ACLs (idempotent, kafka/provision.py)
#   kafka.sh tool CLASS [ARG...]
#                          run a Kafka CLI class on the node's classpath, e.g.
#                          org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092
#                          --command-config FILE --list (FILE: a SASL client's properties)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$HERE/env.sh"

SRC_DIR=$HERE/kafka
KAFKA_HOME=$OPT_DIR/kafka-$KAFKA_VERSION
LIBS=$KAFKA_HOME/libs
STAMP=$KAFKA_HOME/.installed
KAFKA_STATE=$STATE_DIR/kafka
DATA_DIR=$KAFKA_STATE/data
CONF=$KAFKA_STATE/server.properties
CLUSTER_ID_FILE=$KAFKA_STATE/cluster.id
BOOTSTRAP=127.0.0.1:$KAFKA_PORT
# The Prometheus JMX exporter's Java agent serves the broker's metrics on
# 127.0.0.1:$KAFKA_JMX_EXPORTER_PORT/metrics (rules: kafka/jmx-exporter.yml).
JMX_AGENT=$KAFKA_HOME/agent/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar

# Measured on the 2-core dev machine: ~250-300 MB RSS idle with these settings (JDK 17 or 25).
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExitOnOutOfMemoryError -XX:MaxMetaspaceSize=128m -Djava.awt.headless=true}
# CLI tools: small heap and C1 only, they live for a second or two.
TOOL_JVM_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true"

# The node's own login (listeners BROKER and CONTROLLER). Dev-only default: provision.py, which
# reads it too, refuses it outside development.
BROKER_KAFKA_PASSWORD=${BROKER_KAFKA_PASSWORD:-broker-kafka-dev-only-password}
export BROKER_KAFKA_PASSWORD

die() { echo "kafka: $*" >&2; exit 1; }

# The JDK: $KAFKA_JAVA_HOME if set, else the newest Temurin JDK in /usr/lib/jvm, else an
# OpenJDK 17+ there, else `java` on PATH. Kafka 4.x needs Java 17 or later.
find_java() {
  if [[ -n ${KAFKA_JAVA_HOME:-} ]]; then
    [[ -x $KAFKA_JAVA_HOME/bin/java ]] || die "KAFKA_JAVA_HOME=$KAFKA_JAVA_HOME has no bin/java"
    echo "$KAFKA_JAVA_HOME/bin/java"
    return
  fi
  local d
  while IFS= read -r d; do
    [[ -n $d && -x $d/bin/java ]] && { echo "$d/bin/java"; return; }
  done < <(shopt -s nullglob
           printf '%s\n' /usr/lib/jvm/temurin-*-jdk* | sort -rV
           printf '%s\n' /usr/lib/jvm/java-*-openjdk* | sort -rV)
  command -v java >/dev/null || die "no Java found (need JDK 17+)"
  command -v java
}

JAVA=$(find_java)

# Major version of that JDK, from its `release` file (no JVM start needed).
java_major() {
  local rel v
  rel=$(dirname "$(dirname "$(readlink -f "$JAVA")")")/release
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" 2>/dev/null || true)
  echo "${v:-17}"
}
# JDK 24+ warns when Kafka (and its zstd/lz4 libraries) use sun.misc.Unsafe memory access.
if (( $(java_major) >= 24 )); then
  KAFKA_JVM_OPTS="$KAFKA_JVM_OPTS --sun-misc-unsafe-memory-access=allow"
  TOOL_JVM_OPTS="$TOOL_JVM_OPTS --sun-misc-unsafe-memory-access=allow"
fi

stamp_key() {
  { cat "$SRC_DIR/pom.xml"; echo "$KAFKA_VERSION"; } | sha256sum | cut -d' ' -f1
}

installed() {
  [[ -f $STAMP && $(<"$STAMP") == "$(stamp_key)" ]]
}

render_config() {
  mkdir -p "$KAFKA_STATE"
  [[ $BROKER_KAFKA_PASSWORD =~ ^[A-Za-z0-9._-]+$ ]] ||
    die "BROKER_KAFKA_PASSWORD: use letters, digits and . _ - only (it is quoted in a JAAS line)"
  (umask 077
   sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
       -e "s|@KAFKA_BROKER_PORT@|$KAFKA_BROKER_PORT|g" \
       -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
       -e "s|@KAFKA_DATA_DIR@|$DATA_DIR|g" \
       -e "s|@KAFKA_BROKER_PASSWORD@|$BROKER_KAFKA_PASSWORD|g" \
       "$SRC_DIR/server.properties.in" >"$CONF.tmp")
  mv "$CONF.tmp" "$CONF"
}

tool() {
  local cls=$1; shift
  # shellcheck disable=SC2086 # word-split option lists
  "$JAVA" $TOOL_JVM_OPTS \
    -Dlog4j2.configurationFile="$SRC_DIR/log4j2.properties" \
    -Dkafka.log.level=WARN -Dkafka.log.target=SYSTEM_ERR \
    -cp "$LIBS/*" "$cls" "$@"
}

fetch_libs() {
  command -v mvn >/dev/null || die "mvn is not installed"
  echo "kafka: assembling Kafka $KAFKA_VERSION runtime into $LIBS" >&2
  mkdir -p "$KAFKA_HOME"
  rm -f "$STAMP"
  rm -rf "$LIBS.tmp"
  # Maven prints its errors (and, on Debian, stray colour codes) on stdout: keep it for failures.
  local out
  if ! out=$(mvn -B -q -Dstyle.color=never -f "$SRC_DIR/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" 2>&1); then
    echo "$out" >&2
    die "mvn dependency:copy-dependencies failed"
  fi
  [[ -f $LIBS.tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13 jar missing after mvn"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  stamp_key >"$STAMP"
}

format_storage() {
  # Formats once. An existing meta.properties means formatted: never touched again.
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  if [[ -d $DATA_DIR ]] && [[ -n $(ls -A "$DATA_DIR") ]]; then
    die "$DATA_DIR is not empty but has no meta.properties; refusing to format it (move it away)"
  fi
  local id
  if [[ -s $CLUSTER_ID_FILE ]]; then
    id=$(<"$CLUSTER_ID_FILE")
  else
    id=$(tool kafka.tools.StorageTool random-uuid | tail -n1)
    [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "bad cluster id from StorageTool: $id"
    echo "$id" >"$CLUSTER_ID_FILE"
  fi
  echo "kafka: formatting $DATA_DIR (cluster id $id)" >&2
  mkdir -p "$DATA_DIR"
  tool kafka.tools.StorageTool format --standalone -t "$id" -c "$CONF" >&2
}

fetch_jmx_agent() {
  [[ -f $JMX_AGENT ]] && return 0
  mvn -B -q -Dstyle.color=never dependency:copy \
    -Dartifact="io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION" \
    -DoutputDirectory="$(dirname "$JMX_AGENT")" >&2 || die "mvn could not fetch the JMX exporter agent"
}

cmd_install() {
  installed || fetch_libs
  fetch_jmx_agent
  render_config
  format_storage
}

cmd_run() {
  installed || die "not installed: run '$0 install' first"
  render_config
  [[ -f $DATA_DIR/meta.properties ]] || die "$DATA_DIR is not formatted: run '$0 install' first"
  cd "$KAFKA_STATE"
  # shellcheck disable=SC2086 # word-split option lists
  exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS \
    -javaagent:"$JMX_AGENT=127.0.0.1:$KAFKA_JMX_EXPORTER_PORT:$SRC_DIR/jmx-exporter.yml" \
    -Dlog4j2.configurationFile="$SRC_DIR/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$CONF"
}

# A Kafka round trip without a JVM or a credential: SaslHandshake v1 for SCRAM-SHA-512 on the
# client listener (the broker answers requests once it has caught up with the metadata and
# registered); ready iff it answers without error. Kafka 4 accepts SaslHandshake v1.
cmd_ready() {
  python3 - "$KAFKA_PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
client, mechanism = b"taskwire-ready", b"SCRAM-SHA-512"
body = struct.pack(">hhih", 17, 1, 7, len(client)) + client
body += struct.pack(">h", len(mechanism)) + mechanism
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(2)
        s.sendall(struct.pack(">i", len(body)) + body)
        def read(n):
            buf = b""
            while len(buf) < n:
                chunk = s.recv(n - len(buf))
                if not chunk:
                    raise EOFError("connection closed")
                buf += chunk
            return buf
        (size,) = struct.unpack(">i", read(4))
        resp = read(size)
except (OSError, EOFError) as e:
    print(f"kafka not ready: {e}", file=sys.stderr)
    sys.exit(1)
corr, error = struct.unpack(">ih", resp[:6])
if corr != 7 or error != 0:
    print(f"kafka not ready: SASL handshake error {error}", file=sys.stderr)
    sys.exit(1)
PY
}

cmd_init() {
  installed || die "not installed: run '$0 install' first"
  cmd_ready || die "broker at $BOOTSTRAP is not ready"
  KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP \
    KAFKA_BROKER_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_BROKER_PORT \
    "$TASKWIRE_ROOT/.venv/bin/python" "$SRC_DIR/provision.py"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  init) cmd_init ;;
  tool) shift; [[ $# -ge 1 ]] || die "usage: $0 tool CLASS [ARG...]"; installed || die "not installed"; tool "$@" ;;
  *) echo "usage: $0 install|run|ready|init|tool CLASS [ARG...]" >&2; exit 2 ;;
esac
