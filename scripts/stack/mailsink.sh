#!/usr/bin/env bash
# Native mail sink of the dev stack: MailDev (npm package `maildev`, pinned in
# scripts/stack/mailsink/package-lock.json). A real SMTP server on 127.0.0.1:$SMTP_PORT with a
# web UI and REST API on 127.0.0.1:$MAIL_HTTP_PORT. It never relays mail anywhere.
#
#   mailsink.sh install   npm ci the pinned package into $OPT_DIR/mailsink (idempotent)
#   mailsink.sh run       exec MailDev in the foreground, logs to stdout (for supervisord)
#   mailsink.sh ready     exit 0 iff GET /api/healthz answers
#
# REST API (MailDev 3): GET /api/email (all, arrival order; filters like ?to.address=a@b),
# GET /api/email/:id (marks it read), DELETE /api/email/all, GET /api/healthz.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
# shellcheck source=env.sh
source "$HERE/env.sh"

SRC_DIR=$HERE/mailsink
INSTALL_DIR=$OPT_DIR/mailsink
STAMP=$INSTALL_DIR/.installed
MAIL_DIR=${MAILSINK_MAIL_DIR:-$STATE_DIR/mailsink/mail}
# Oldest mails (and their files) are dropped past this many; keeps memory and disk bounded.
MAILSINK_MAX_EMAILS=${MAILSINK_MAX_EMAILS:-2000}

die() { echo "mailsink: $*" >&2; exit 1; }

stamp_key() {
  # The lock file pins every package; node's major decides what npm ci lays down.
  { cat "$SRC_DIR/package.json" "$SRC_DIR/package-lock.json"; node -p 'process.versions.node.split(".")[0]'; } |
    sha256sum | cut -d' ' -f1
}

cmd_install() {
  command -v node >/dev/null || die "node is not installed (need Node >= 20)"
  command -v npm >/dev/null || die "npm is not installed"
  local key
  key=$(stamp_key)
  if [[ -f $STAMP && $(<"$STAMP") == "$key" && -x $INSTALL_DIR/node_modules/.bin/maildev ]]; then
    return 0
  fi
  echo "mailsink: installing maildev into $INSTALL_DIR" >&2
  mkdir -p "$INSTALL_DIR"
  rm -f "$STAMP"
  cp "$SRC_DIR/package.json" "$SRC_DIR/package-lock.json" "$INSTALL_DIR/"
  # npm's own cache (~/.npm) is the download cache. No package in the tree has an install
  # script or native code, so scripts stay off.
  (cd "$INSTALL_DIR" &&
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  [[ -x $INSTALL_DIR/node_modules/.bin/maildev ]] || die "maildev binary missing after npm ci"
  echo "$key" >"$STAMP"
}

cmd_run() {
  [[ -x $INSTALL_DIR/node_modules/.bin/maildev ]] || die "not installed: run '$0 install' first"
  mkdir -p "$MAIL_DIR"
  # No relaying, ever: drop any relay settings MailDev would read from the environment.
  unset MAILDEV_OUTGOING_HOST MAILDEV_OUTGOING_PORT MAILDEV_OUTGOING_USER MAILDEV_OUTGOING_PASS \
    MAILDEV_OUTGOING_SECURE MAILDEV_AUTO_RELAY MAILDEV_AUTO_RELAY_RULES
  # An explicit --config stops MailDev from searching the cwd and its parents for one.
  cd "$INSTALL_DIR"
  exec node "$INSTALL_DIR/node_modules/maildev/dist/bin/maildev.js" \
    --config "$SRC_DIR/maildev.json" \
    --smtp "$SMTP_PORT" --ip 127.0.0.1 \
    --web "$MAIL_HTTP_PORT" --web-ip 127.0.0.1 \
    --mail-directory "$MAIL_DIR" \
    --max-emails "$MAILSINK_MAX_EMAILS"
}

cmd_ready() {
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$MAIL_HTTP_PORT/api/healthz"
}

case "${1:-}" in
  install) cmd_install ;;
  run) cmd_run ;;
  ready) cmd_ready ;;
  *) echo "usage: $0 install|run|ready" >&2; exit 2 ;;
esac
