#!/usr/bin/env bash
# Builds the three service images with podman (daemonless, from Debian) from their Dockerfiles as
# they are: `make images`. Opt-in, not part of `make test`. Needs root and the network (PyPI,
# deb.debian.org); run it outside any network namespace.
#
# No registry is reachable here, so the base images the Dockerfiles name are local stand-ins
# made once and tagged with the same names (they are not the official images):
#   python:3.11.14-slim-bookworm  a Debian bookworm minbase root file system (mmdebstrap) with
#                                 Debian's python3 (3.11.2, /usr/bin), python-is-python3,
#                                 ca-certificates (the machine's bundle, SSL_CERT_FILE set, so
#                                 uv reaches PyPI through it) and passwd (useradd)
#   ghcr.io/astral-sh/uv:0.9.5    FROM scratch with /uv and /uvx: the uv of scripts/stack/prereqs.sh
# podman's defaults are refused on these VMs (rlimits, crun): scripts/images/containers.conf.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/scripts/images/containers.conf}
PACKAGES=(podman buildah runc mmdebstrap uidmap fuse-overlayfs slirp4netns netavark
  aardvark-dns containernetworking-plugins)
PYTHON_BASE=python:3.11.14-slim-bookworm
UV_BASE=ghcr.io/astral-sh/uv:0.9.5
SERVICES=(task-api user-facade notification-consumer)

die() { echo "images: $*" >&2; exit 1; }

install_packages() {
  command -v podman >/dev/null && command -v mmdebstrap >/dev/null && return
  [[ $EUID -eq 0 ]] || die "podman/mmdebstrap missing; as root: apt-get install -y ${PACKAGES[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

python_base() {
  podman image exists "$PYTHON_BASE" && return
  echo "==> stand-in $PYTHON_BASE (Debian bookworm minbase + python3, not the official image)"
  # shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded by its hook shell
  mmdebstrap --variant=minbase --include=python3,python-is-python3,ca-certificates,passwd \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm - http://deb.debian.org/debian \
    | podman import --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["python3"]' - "$PYTHON_BASE"
}

uv_base() {
  podman image exists "$UV_BASE" && return
  local version uv ctx
  # shellcheck disable=SC2016 # a literal ${...} to match
  version=$(sed -n 's/^UV_VERSION=\${UV_VERSION:-\([0-9.]*\)}.*/\1/p' "$ROOT/scripts/stack/prereqs.sh")
  [[ $UV_BASE == *":$version" ]] || die "$UV_BASE is not the uv $version of prereqs.sh"
  uv=$(command -v uv) || die "no uv: run make install"
  [[ $(uv --version) == "uv $version"* ]] || die "uv is $(uv --version), want $version"
  if command -v pyenv >/dev/null && [[ $uv == */shims/* ]]; then uv=$(pyenv which uv); fi
  echo "==> stand-in $UV_BASE (FROM scratch with the machine's uv $version)"
  ctx=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf '$ctx'" RETURN
  cp -L "$uv" "$ctx/uv"
  cp -L "$(dirname "$uv")/uvx" "$ctx/uvx"
  printf 'FROM scratch\nCOPY uv uvx /\n' >"$ctx/Containerfile"
  podman build -q --format docker -t "$UV_BASE" "$ctx" >/dev/null
}

install_packages
python_base
uv_base
for service in "${SERVICES[@]}"; do
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/$service/pyproject.toml" | head -1)
  echo "==> taskwire/$service:$version"
  start=$SECONDS
  # --format docker keeps the HEALTHCHECK (OCI images have none).
  podman build -q --format docker -f "$ROOT/$service/Dockerfile" \
    -t "taskwire/$service:$version" "$ROOT" >/dev/null
  echo "    built in $((SECONDS - start)) s, $(podman image inspect --format '{{.Size}}' "taskwire/$service:$version") bytes"
done
