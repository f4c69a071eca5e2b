#!/usr/bin/env bash
# Builds the three service images with podman (daemonless, from Debian) from their Dockerfiles as
# they are; `make images` (part of `make test`) then runs them against the native stack
# (tests/images). Needs root and the network (PyPI, deb.debian.org): run it outside any network
# namespace.
#
# The base images are the official ones when they are here or can be pulled. Where no registry
# is reachable, local stand-ins are made under the same names, and the run says so (they are not
# the official images; docs/operations.md says how they differ):
#   python:3.11.14-slim-bookworm  a Debian bookworm minbase root file system (mmdebstrap) with
#                                 Debian's python3 (3.11.2, /usr/bin), python-is-python3,
#                                 ca-certificates (the machine's bundle, SSL_CERT_FILE set, so
#                                 uv reaches PyPI through it) and passwd (useradd)
#   ghcr.io/astral-sh/uv:0.9.5    FROM scratch with /uv and /uvx: the uv of scripts/stack/prereqs.sh
# A stand-in carries the label org.taskwire.stand-in, a hash of its inputs (its recipe, the CA
# bundle, the uv binaries); the bookworm root file system is cached under that hash in
# ~/.cache/taskwire/images, so a rerun makes nothing again; a change of the inputs makes it anew.
# The image layers are podman's own build cache. Nothing needs a cache: without one, all is built.
# podman's defaults are refused on these VMs (rlimits, crun): scripts/images/containers.conf.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/scripts/images/containers.conf}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/taskwire/images
PYTHON_BASE=python:3.11.14-slim-bookworm
UV_BASE=ghcr.io/astral-sh/uv:0.9.5
STAND_IN=org.taskwire.stand-in
SERVICES=(task-api user-facade notification-consumer)

die() { echo "images: $*" >&2; exit 1; }

# The stand-in hash an image carries; empty for an official image.
stand_in_of() { podman image inspect --format "{{index .Labels \"$STAND_IN\"}}" "$1" | sed 's/<no value>//'; }

# 0 when the official image is here or could be pulled (and then carries the Dockerfile's name).
official() {
  local name=$1 remote=$2 error
  if podman image exists "$name" && [[ -z $(stand_in_of "$name") ]]; then return 0; fi
  if error=$(timeout 300 podman pull -q "$remote" 2>&1 >/dev/null); then
    podman tag "$remote" "$name"
    echo "images: $name pulled from $remote"
    return 0
  fi
  echo "images: $name cannot be pulled (${error##*$'\n'})"
  return 1
}

python_rootfs() {
  # shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded by its hook shell
  mmdebstrap --quiet --variant=minbase --include=python3,python-is-python3,ca-certificates,passwd \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$1" http://deb.debian.org/debian
}

python_stand_in() {
  local hash tar
  hash=$({ declare -f python_rootfs; cat /etc/ssl/certs/ca-certificates.crt; } | sha256sum | cut -c1-16)
  if podman image exists "$PYTHON_BASE" && [[ $(stand_in_of "$PYTHON_BASE") == "$hash" ]]; then
    echo "images: using the local stand-in $PYTHON_BASE ($hash): Debian bookworm + Debian's python3, not the official image"
    return
  fi
  tar=$CACHE/python-bookworm-$hash.tar
  if [[ -f $tar ]]; then
    echo "images: making the stand-in $PYTHON_BASE ($hash) from the cached root file system $tar"
  else
    echo "images: making the stand-in $PYTHON_BASE ($hash): mmdebstrap bookworm + Debian's python3, not the official image"
    rm -f "$CACHE"/python-bookworm-*.tar
    python_rootfs "$CACHE/partial.tar"
    mv "$CACHE/partial.tar" "$tar"
  fi
  podman import --quiet --change "LABEL $STAND_IN=$hash" \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' "$tar" "$PYTHON_BASE" >/dev/null
}

uv_stand_in() {
  local version uv hash ctx
  # shellcheck disable=SC2016 # a literal ${...} to match
  version=$(sed -n 's/^UV_VERSION=\${UV_VERSION:-\([0-9.]*\)}.*/\1/p' "$ROOT/scripts/stack/prereqs.sh")
  [[ $UV_BASE == *":$version" ]] || die "$UV_BASE is not the uv $version of prereqs.sh"
  uv=$(command -v uv) || die "no uv: run make install"
  if command -v pyenv >/dev/null && [[ $uv == */shims/* ]]; then uv=$(pyenv which uv); fi
  [[ $("$uv" --version) == "uv $version"* ]] || die "uv is $("$uv" --version), want $version"
  hash=$(cat "$uv" "$(dirname "$uv")/uvx" | sha256sum | cut -c1-16)
  if podman image exists "$UV_BASE" && [[ $(stand_in_of "$UV_BASE") == "$hash" ]]; then
    echo "images: using the local stand-in $UV_BASE ($hash): the machine's uv $version FROM scratch, not the official image"
    return
  fi
  echo "images: making the stand-in $UV_BASE ($hash): the machine's uv $version FROM scratch, not the official image"
  ctx=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf '$ctx'" RETURN
  cp -L "$uv" "$ctx/uv"
  cp -L "$(dirname "$uv")/uvx" "$ctx/uvx"
  printf 'FROM scratch\nLABEL %s=%s\nCOPY uv uvx /\n' "$STAND_IN" "$hash" >"$ctx/Containerfile"
  podman build -q --format docker -t "$UV_BASE" "$ctx" >/dev/null
}

[[ $EUID -eq 0 ]] || die "podman builds here as root (make sync installs it)"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
official "$PYTHON_BASE" "docker.io/library/$PYTHON_BASE" || python_stand_in
official "$UV_BASE" "$UV_BASE" || uv_stand_in
for service in "${SERVICES[@]}"; do
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/$service/pyproject.toml" | head -1)
  start=$SECONDS
  # --format docker keeps the HEALTHCHECK (OCI images have none).
  podman build -q --format docker -f "$ROOT/$service/Dockerfile" \
    -t "taskwire/$service:$version" "$ROOT" >/dev/null
  size=$(podman image inspect --format '{{.Size}}' "taskwire/$service:$version")
  echo "images: taskwire/$service:$version built in $((SECONDS - start)) s, $((size / 1000000)) MB"
done
# The images these builds replaced (their layers stay cached under the new ones).
podman image prune -f >/dev/null
