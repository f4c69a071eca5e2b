#!/usr/bin/env bash
# Installs and runs the native Keycloak of the Taskwire stack (realm `taskwire`, PostgreSQL-backed).
#
#   keycloak.sh install    download (Maven), unpack, copy the realm, `kc.sh build` when options changed
#   keycloak.sh run        exec Keycloak in the foreground (for supervisord; logs to stdout)
#   keycloak.sh ready      exit 0 iff Keycloak is ready and the realm answers
#   keycloak.sh reimport   Keycloak STOPPED: replace the realm in the database with realm-taskwire.json
#                          (drops every user signed up since; `make reset` is the usual way)
set -euo pipefail

KEYCLOAK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/stack/env.sh source-path=SCRIPTDIR/..
source "$KEYCLOAK_DIR/../scripts/stack/env.sh"

REALM_FILE=$KEYCLOAK_DIR/realm-taskwire.json
REALM=taskwire
KC_HOME=$OPT_DIR/keycloak-$KEYCLOAK_VERSION
TARBALL=$CACHE_DIR/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz
BUILD_STAMP=$KC_HOME/.taskwire-build

# Build-time options: baked into the optimized server image by `kc.sh build`.
BUILD_OPTS=(--db=postgres --health-enabled=true --metrics-enabled=true)

# Dev defaults, for this machine only: every one is overridden from the environment elsewhere.
KEYCLOAK_DB_NAME=${KEYCLOAK_DB_NAME:-keycloak}
KEYCLOAK_DB_USER=${KEYCLOAK_DB_USER:-keycloak}
KEYCLOAK_DB_PASSWORD=${KEYCLOAK_DB_PASSWORD:-keycloak-dev-only-password}        # dev only
KEYCLOAK_FACADE_CLIENT_SECRET=${KEYCLOAK_FACADE_CLIENT_SECRET:-dev-only-facade-secret}  # dev only
KEYCLOAK_NOTIFICATIONS_CLIENT_SECRET=${KEYCLOAK_NOTIFICATIONS_CLIENT_SECRET:-dev-only-notifications-secret}  # dev only
KC_BOOTSTRAP_ADMIN_USERNAME=${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}           # dev only
KC_BOOTSTRAP_ADMIN_PASSWORD=${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}           # dev only
KEYCLOAK_HOSTNAME_URL=${KEYCLOAK_HOSTNAME_URL:-http://localhost:$KEYCLOAK_PORT}
# Where Keycloak POSTs OIDC back-channel logout tokens of `taskwire-web` and
# `user-facade-login` (resolved at realm import).
KEYCLOAK_BACKCHANNEL_LOGOUT_URL=${KEYCLOAK_BACKCHANNEL_LOGOUT_URL:-http://127.0.0.1:$USER_FACADE_PORT/auth/backchannel-logout}
# The whole stack must idle in a few GiB; Keycloak is happy with this heap on a dev box.
JAVA_OPTS_KC_HEAP=${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx512m}
# PostgreSQL is shared with the services: keep Keycloak's pool far below max_connections.
KEYCLOAK_DB_POOL_MAX=${KEYCLOAK_DB_POOL_MAX:-20}

log() { printf 'keycloak: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Temurin 25 when present, otherwise the distribution's 17 (deprecated by Keycloak, still works).
select_java() {
    local candidate
    if [[ -n ${KEYCLOAK_JAVA_HOME:-} ]]; then
        JAVA_HOME=$KEYCLOAK_JAVA_HOME
    else
        JAVA_HOME=
        for candidate in /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-17-openjdk*; do
            if [[ -x $candidate/bin/java ]]; then
                JAVA_HOME=$candidate
                break
            fi
        done
    fi
    [[ -n $JAVA_HOME && -x $JAVA_HOME/bin/java ]] || die "no JDK 25 or 17 found in /usr/lib/jvm"
    export JAVA_HOME
}

# Runtime options shared by `run` and `reimport`; a single node needs no cluster cache.
runtime_opts() {
    printf '%s\n' \
        --db-url-host="$PG_HOST" --db-url-port="$PG_PORT" --db-url-database="$KEYCLOAK_DB_NAME" \
        --db-username="$KEYCLOAK_DB_USER" --db-pool-max-size="$KEYCLOAK_DB_POOL_MAX" \
        --cache=local \
        --http-management-host=127.0.0.1 --http-management-port="$KEYCLOAK_MGMT_PORT"
}

# Secrets go through the environment, never the command line (visible in `ps`).
export_secrets() {
    export KC_DB_PASSWORD=$KEYCLOAK_DB_PASSWORD
    export KC_BOOTSTRAP_ADMIN_USERNAME KC_BOOTSTRAP_ADMIN_PASSWORD
    # resolved by the realm import: "${KEYCLOAK_FACADE_CLIENT_SECRET}" and the like
    export KEYCLOAK_FACADE_CLIENT_SECRET KEYCLOAK_NOTIFICATIONS_CLIENT_SECRET
    export KEYCLOAK_BACKCHANNEL_LOGOUT_URL  # not a secret, but resolved the same way
    export JAVA_OPTS_KC_HEAP
}

build_fingerprint() {
    printf '%s\n' "$KEYCLOAK_VERSION" "${BUILD_OPTS[@]}" | sha256sum | cut -d' ' -f1
}

fetch_tarball() {
    [[ -s $TARBALL ]] && return
    log "downloading keycloak-quarkus-dist $KEYCLOAK_VERSION from Maven Central"
    mkdir -p "$CACHE_DIR"
    local tmp
    tmp=$(mktemp -d "$CACHE_DIR/.keycloak-download.XXXXXX")
    # -C: a checksum mismatch is fatal instead of a warning.
    if ! mvn -B -q -C dependency:copy \
        -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
        -DoutputDirectory="$tmp"; then
        rm -rf "$tmp"
        die "download of keycloak-quarkus-dist $KEYCLOAK_VERSION failed"
    fi
    mv "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" "$TARBALL"
    rmdir "$tmp"
}

unpack() {
    [[ -x $KC_HOME/bin/kc.sh ]] && return
    log "unpacking into $KC_HOME"
    mkdir -p "$OPT_DIR"
    local tmp
    tmp=$(mktemp -d "$OPT_DIR/.keycloak-unpack.XXXXXX")
    if ! tar -xzf "$TARBALL" -C "$tmp"; then
        rm -rf "$tmp"
        die "cannot unpack $TARBALL: delete it and run install again"
    fi
    rm -rf "$KC_HOME"
    mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KC_HOME"
    rmdir "$tmp"
}

copy_realm() {
    local target=$KC_HOME/data/import/realm-$REALM.json
    mkdir -p "$(dirname "$target")"
    if ! cmp -s "$REALM_FILE" "$target"; then
        install -m 0644 "$REALM_FILE" "$target"
        log "realm file copied to $target (imported only if realm '$REALM' does not exist yet)"
    fi
}

build() {
    local fingerprint
    fingerprint=$(build_fingerprint)
    if [[ -f $BUILD_STAMP && $(<"$BUILD_STAMP") == "$fingerprint" ]]; then
        return
    fi
    log "building the optimized server image: ${BUILD_OPTS[*]}"
    "$KC_HOME/bin/kc.sh" build "${BUILD_OPTS[@]}"
    printf '%s\n' "$fingerprint" >"$BUILD_STAMP"
}

cmd_install() {
    select_java
    fetch_tarball
    unpack
    copy_realm
    build
}

require_built() {
    [[ -f $BUILD_STAMP && $(<"$BUILD_STAMP") == "$(build_fingerprint)" ]] ||
        die "not installed or build options changed: run '$0 install' first"
}

cmd_run() {
    select_java
    require_built
    export_secrets
    local -a opts
    mapfile -t opts < <(runtime_opts)
    exec "$KC_HOME/bin/kc.sh" start --optimized "${opts[@]}" \
        --http-enabled=true --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
        --hostname="$KEYCLOAK_HOSTNAME_URL" --hostname-backchannel-dynamic=true \
        --import-realm
}

http_status() {
    curl -s -o /dev/null -w '%{http_code}' --connect-timeout 1 --max-time 3 "$1" || true
}

cmd_ready() {
    [[ $(http_status "http://127.0.0.1:$KEYCLOAK_MGMT_PORT/health/ready") == 200 ]] &&
        [[ $(http_status "http://127.0.0.1:$KEYCLOAK_PORT/realms/$REALM/.well-known/openid-configuration") == 200 ]]
}

cmd_reimport() {
    select_java
    require_built
    if [[ $(http_status "http://127.0.0.1:$KEYCLOAK_MGMT_PORT/health/live") != 000 ]]; then
        die "Keycloak is running: stop it before reimporting the realm"
    fi
    export_secrets
    local -a opts
    mapfile -t opts < <(runtime_opts)
    log "replacing realm '$REALM' with $REALM_FILE (existing users and sessions are dropped)"
    "$KC_HOME/bin/kc.sh" import --optimized --file="$REALM_FILE" --override=true "${opts[@]}"
}

case ${1:-} in
    install) cmd_install ;;
    run) cmd_run ;;
    ready) cmd_ready ;;
    reimport) cmd_reimport ;;
    *) die "usage: $0 install|run|ready|reimport" ;;
esac
