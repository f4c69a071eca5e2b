#!/usr/bin/env bash
# Installs the system tools the native stack needs when they are missing (Debian 12).
set -euo pipefail
UV_VERSION=${UV_VERSION:-0.9.5}

# command -> Debian package that provides it
declare -A PACKAGES=(
  [/usr/lib/postgresql/15/bin/postgres]=postgresql-15
  [nginx]=nginx-light
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [envsubst]=gettext-base
  [curl]=curl
  [java]=openjdk-17-jre-headless
  [mvn]=maven
  [go]=golang-go
  [npm]=npm
  [shellcheck]=shellcheck
  # The service images, built and run by `make images` (scripts/images/build.sh).
  [podman]=podman
  [buildah]=buildah
  [runc]=runc
  [mmdebstrap]=mmdebstrap
  [newuidmap]=uidmap
  [fuse-overlayfs]=fuse-overlayfs
  [slirp4netns]=slirp4netns
  [/usr/lib/podman/netavark]=netavark
  [/usr/lib/podman/aardvark-dns]=aardvark-dns
  [/usr/lib/cni/bridge]=containernetworking-plugins
  # headless: the Mermaid CLI (make diagrams) and the web console's browser tests (tests/e2e)
  [chromium]=chromium
)

missing=()
for tool in "${!PACKAGES[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || missing+=("${PACKAGES[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages: ${missing[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts the daemons it installs where it can; the stack runs its own instances.
for unit in nginx prometheus prometheus-alertmanager postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$unit" 2>/dev/null; then
    systemctl stop "$unit" || true
    systemctl disable --quiet "$unit" || true
  fi
done

if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
