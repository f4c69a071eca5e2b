# Go binaries of the stack, built once per version and kept in $CACHE_DIR/bin across resets and
# worktrees (a build takes minutes on a busy machine). Sourced by the component scripts.
# shellcheck shell=bash

go_cmd() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    echo "Go is needed to build $1 and was not found" >&2
    exit 1
  fi
}

# cached_go_build NAME KEY DEST BUILD...: DEST links to $CACHE_DIR/bin/NAME-KEY, built by
# running BUILD... with one more argument, the temporary path to write the binary to. Concurrent
# builds of the same KEY are serialised by a lock, so the second one finds the first's binary.
cached_go_build() {
  local name=$1 key=$2 dest=$3
  shift 3
  local cached=$CACHE_DIR/bin/$name-$key
  mkdir -p "$CACHE_DIR/bin" "$(dirname "$dest")"
  if [[ ! -x $cached ]]; then
    (
      flock 8
      if [[ ! -x $cached ]]; then
        echo "$name: building $key with Go (once; cached as $cached)" >&2
        "$@" "$cached.tmp.$$"
        mv "$cached.tmp.$$" "$cached"
      fi
    ) 8>"$cached.lock"
  fi
  ln -sfn "$cached" "$dest"
}
