#!/usr/bin/env bash
# RabbitMQ with web-stomp, from Debian's package, bound to loopback only: a real STOMP 1.2 server that nobody here
# wrote, for the stomp suite, and an AMQP broker for the websocketd event bus.
#   scripts/rabbitmq.sh start    install if missing (idempotent), start, wait until the ports answer
#   scripts/rabbitmq.sh stop     stop it (exit 0 if it was not running)
#   scripts/rabbitmq.sh status   exit 0 if running, 3 if not
set -euo pipefail

DIR=${RTC_RABBITMQ_DIR:-/var/tmp/rtc-conformance-rabbitmq}
NODE=rabbit@localhost
AMQP_PORT=5672
WEB_STOMP_PORT=15674
STOMP_PORT=61613

export RABBITMQ_NODENAME=$NODE
export RABBITMQ_USE_LONGNAME=false
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_CONFIG_FILE=$DIR/rabbitmq.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=$DIR/enabled_plugins
export RABBITMQ_MNESIA_BASE=$DIR/mnesia
export RABBITMQ_LOG_BASE=$DIR/log
export RABBITMQ_DIST_PORT=25672
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

log() { printf 'rabbitmq.sh: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install() {
  if command -v rabbitmq-server >/dev/null 2>&1; then return; fi
  log "installing Debian's rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's own init script from starting a broker bound to every interface during installation.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  apt-get update -qq || log "apt-get update failed; trying the install with the lists at hand"
  apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
  [ "$created" = 1 ] && rm -f "$policy"
  # If something started anyway (no policy-rc.d honoured), stop it: ours starts with loopback-only settings.
  rabbitmqctl -n "$NODE" stop >/dev/null 2>&1 || true
  pkill -f 'beam.*rabbit' >/dev/null 2>&1 || true
}

configure() {
  mkdir -p "$DIR/mnesia" "$DIR/log"
  cat >"$RABBITMQ_CONFIG_FILE" <<EOF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
stomp.listeners.tcp.1 = 127.0.0.1:$STOMP_PORT
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = $WEB_STOMP_PORT
loopback_users.guest = true
# A CONNECT without login/passcode logs in as guest (loopback only), so a bare --stomp-url run works.
stomp.default_user = guest
stomp.default_pass = guest
log.console = false
log.file.level = info
EOF
  # rabbitmq_stomp (STOMP over TCP, 61613) is named too: web-stomp depends on it, but the TCP listener is used on its own.
  echo '[rabbitmq_stomp,rabbitmq_web_stomp].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  # Debian's wrapper starts the broker through su, which applies PAM limits: raise its descriptor limit there
  # (1,000 concurrent STOMP sessions, as in the load benchmark, need more than the default 1,024).
  if [ -d /etc/security/limits.d ]; then
    printf 'rabbitmq soft nofile %s\nrabbitmq hard nofile %s\n' "$(ulimit -Hn)" "$(ulimit -Hn)" >/etc/security/limits.d/rtc-conformance-rabbitmq.conf
  fi
  # Debian's wrappers run the broker and its tools as the rabbitmq user.
  if id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$DIR"; fi
}

running() { rabbitmqctl -n "$NODE" -q status >/dev/null 2>&1; }

version() { dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown; }

start() {
  install
  configure
  log "RabbitMQ $(version), data in $DIR"
  if running && port_open $WEB_STOMP_PORT && port_open $STOMP_PORT && port_open $AMQP_PORT; then
    log "already running: ws://127.0.0.1:$WEB_STOMP_PORT/ws, amqp://127.0.0.1:$AMQP_PORT"
    return 0
  fi
  # The broker's state is disposable here: every start begins from an empty database.
  rm -rf "$RABBITMQ_MNESIA_BASE" && mkdir -p "$RABBITMQ_MNESIA_BASE"
  if id rabbitmq >/dev/null 2>&1; then chown rabbitmq:rabbitmq "$RABBITMQ_MNESIA_BASE"; fi
  epmd -address 127.0.0.1 -daemon
  log "starting"
  # A session of its own, so that the broker outlives the shell (and the process group) that started it.
  setsid nohup rabbitmq-server >"$DIR/log/console.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 120))
  until port_open $WEB_STOMP_PORT && port_open $STOMP_PORT && port_open $AMQP_PORT; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
      log "did not come up; last lines of its logs:"
      tail -n 30 "$DIR/log/console.log" >&2 || true
      exit 1
    fi
    sleep 1
  done
  # STOMP clients that send no explicit host header name the host they dialled (the harness: localhost); RabbitMQ
  # takes that as the virtual host, so a bare --stomp-url run needs one of that name.
  rabbitmqctl -n "$NODE" -q add_vhost localhost >/dev/null
  rabbitmqctl -n "$NODE" -q set_permissions -p localhost guest '.*' '.*' '.*' >/dev/null
  log "up: web-stomp ws://127.0.0.1:$WEB_STOMP_PORT/ws, STOMP stomp://127.0.0.1:$STOMP_PORT, AMQP amqp://127.0.0.1:$AMQP_PORT (guest/guest; vhosts / and localhost)"
}

stop() {
  if command -v rabbitmqctl >/dev/null 2>&1 && running; then
    rabbitmqctl -n "$NODE" -q stop >/dev/null 2>&1 || true
    log "stopped"
  else
    log "not running"
  fi
  pkill -f 'beam.*rabbit' >/dev/null 2>&1 || true
  epmd -kill >/dev/null 2>&1 || true
}

status() {
  if command -v rabbitmqctl >/dev/null 2>&1 && running; then
    echo "running: RabbitMQ $(version), web-stomp ws://127.0.0.1:$WEB_STOMP_PORT/ws, STOMP stomp://127.0.0.1:$STOMP_PORT, AMQP amqp://127.0.0.1:$AMQP_PORT"
    return 0
  fi
  echo "not running"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
