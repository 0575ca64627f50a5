#!/usr/bin/env bash
# Podman from Debian's packages, set up for this sandbox, serving the Docker API on a unix socket for testcontainers,
# and a local image of the reference servers built without any registry: a root filesystem assembled from the host's
# node binary and its libraries plus this package (podman import).
#
#   scripts/podman.sh start    install, configure, build the image when the sources changed, serve the API
#   scripts/podman.sh env      the environment testcontainers needs (eval "$(scripts/podman.sh env)")
#   scripts/podman.sh stop     stop the API service and remove our containers
#   scripts/podman.sh status
#
# Networking: containers get slirp4netns (user-mode networking inside their own namespace) with its own port
# handler, so published ports listen on the host's 127.0.0.1 and nothing is sent to a bridge address.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${RTC_PODMAN_DIR:-/var/tmp/rtc-conformance-podman}
SOCK=$DIR/podman.sock
IMAGE=localhost/rtc-conformance-reference:latest
export CONTAINERS_CONF=$DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$DIR/storage.conf

log() { echo "podman.sh: $*" >&2; }

install() {
  if command -v podman >/dev/null && command -v runc >/dev/null && command -v slirp4netns >/dev/null; then return 0; fi
  log "installing podman, runc and slirp4netns from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends podman runc slirp4netns >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends podman runc slirp4netns >/dev/null
  }
}

configure() {
  mkdir -p "$DIR/storage" "$DIR/run"
  # A container may not ask for more than the host allows: open files up to the host's hard limit; processes capped
  # below it (runc may not set RLIMIT_NPROC to the host's own hard value here).
  local nofile nproc
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=65536
  nproc=4096
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
netns = "slirp4netns"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
network_cmd_options = ["port_handler=slirp4netns"]
EOF
  cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
graphroot = "$DIR/storage"
runroot = "$DIR/run"
EOF
}

# The sources the image is built from; the image is rebuilt when their digest changes.
sources_digest() {
  { find bin src mocks fixtures schemas suites -type f -print0 | sort -z | xargs -0 sha256sum
    sha256sum package.json package-lock.json vitest.config.ts "$(readlink -f "$(command -v node)")"; } | sha256sum | cut -c1-16
}

image() {
  local digest stamp="$DIR/image.digest"
  digest=$(sources_digest)
  if podman image exists "$IMAGE" && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
    log "image $IMAGE is up to date"
    return 0
  fi
  [ -d node_modules ] || { log "node_modules is missing: run npm ci first"; exit 1; }
  log "building $IMAGE (no registry: a root filesystem of node, its libraries and this package)"
  local rootfs="$DIR/rootfs" node
  rm -rf "$rootfs"
  mkdir -p "$rootfs/usr/bin" "$rootfs/tmp" "$rootfs/app" "$rootfs/etc"
  chmod 1777 "$rootfs/tmp"
  node=$(readlink -f "$(command -v node)")
  cp "$node" "$rootfs/usr/bin/node"
  # The dynamic loader and every library node links against, at the paths ldd names.
  ldd "$node" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  cp -a bin src mocks fixtures schemas suites package.json vitest.config.ts tsconfig.json node_modules "$rootfs/app/"
  tar -C "$rootfs" -c . | podman import \
    --change 'WORKDIR /app' \
    --change 'ENV HOME=/tmp' \
    --change 'EXPOSE 8090' --change 'EXPOSE 9502' --change 'EXPOSE 9497' \
    --change 'CMD ["/usr/bin/node", "/app/bin/rtc-conformance.js", "mock", "--listen", "0.0.0.0"]' \
    - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
  echo "$digest" >"$stamp"
  log "built $IMAGE"
}

ping_api() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }

serve() {
  if ping_api; then
    # A service started from a checkout that has since been removed answers pings, but conmon cannot start a
    # container from a working directory that is gone ("write child: broken pipe"): start it again.
    local pid
    pid=$(pgrep -f "podman system service --time=0 unix://$SOCK" | head -n 1 || true)
    if [ -n "$pid" ] && [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == *"(deleted)" ]]; then
      log "restarting the Docker API service: the folder it was started from is gone"
      pkill -f "podman system service --time=0 unix://$SOCK" >/dev/null 2>&1 || true
      sleep 0.5
    else
      log "Docker API already served on $SOCK"
      return 0
    fi
  fi
  rm -f "$SOCK"
  # Started from its own folder, so that it outlives the checkout that started it.
  (cd "$DIR" && exec setsid nohup podman system service --time=0 "unix://$SOCK" >"$DIR/service.log" 2>&1 </dev/null) &
  local deadline=$((SECONDS + 30))
  until ping_api; do
    if [ $SECONDS -ge $deadline ]; then log "the API service did not come up:"; tail -n 20 "$DIR/service.log" >&2; exit 1; fi
    sleep 0.5
  done
  log "Docker API on $SOCK (podman $(podman --version | awk '{print $3}'))"
}

env_lines() {
  echo "export DOCKER_HOST=unix://$SOCK"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
  echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
  echo "export CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
}

# Containers of the image left by an earlier run that was killed: a fresh start begins without them.
remove_leftovers() {
  if command -v podman >/dev/null; then podman ps -aq --filter "ancestor=$IMAGE" | xargs -r podman rm -f >/dev/null 2>&1 || true; fi
}

stop() {
  pkill -f "podman system service --time=0 unix://$SOCK" >/dev/null 2>&1 || true
  remove_leftovers
  log "stopped"
}

case "${1:-}" in
  start) install; configure; image; remove_leftovers; serve ;;
  env) env_lines ;;
  stop) stop ;;
  status) if ping_api; then echo "serving the Docker API on $SOCK; image: $(podman image exists "$IMAGE" && echo "$IMAGE" || echo none)"; else echo "not running"; exit 3; fi ;;
  *) echo "usage: $0 start|env|stop|status" >&2; exit 2 ;;
esac
