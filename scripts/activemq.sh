#!/usr/bin/env bash
# ActiveMQ Classic from Debian's package (activemq 5.17), as a private instance whose only listener is STOMP over TCP
# on 127.0.0.1: a second real STOMP 1.2 broker that nobody here wrote, for the stomp suite over TCP.
#   scripts/activemq.sh start    install if missing (idempotent), configure, start, wait until the port answers
#   scripts/activemq.sh stop     stop the instance this script started (exit 0 if it was not running)
#   scripts/activemq.sh status   exit 0 if running, 3 if not
# No JMX connector, no web console, no OpenWire/AMQP/MQTT; no persistence (every start begins empty). The port is not
# RabbitMQ's 61613 (scripts/rabbitmq.sh serves STOMP there).
set -euo pipefail

DIR=${RTC_ACTIVEMQ_DIR:-/var/tmp/rtc-conformance-activemq}
STOMP_PORT=${RTC_ACTIVEMQ_STOMP_PORT:-61614}
HOME_DIR=/usr/share/activemq
PIDFILE=$DIR/activemq.pid

log() { printf 'activemq.sh: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install() {
  if [ -f "$HOME_DIR/bin/activemq.jar" ]; then return; fi
  log "installing Debian's activemq"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's init script from starting its own instance during installation.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
  fi
  apt-get update -qq || log "apt-get update failed; trying the install with the lists at hand"
  apt-get install -y -qq --no-install-recommends activemq >/dev/null
  [ "$created" = 1 ] && rm -f "$policy"
  return 0
}

configure() {
  mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/log"
  cat >"$DIR/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <!-- rtc-conformance: written by scripts/activemq.sh; rewritten on every start. -->
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="rtc-conformance" useJmx="false" persistent="false"
          schedulerSupport="false" dataDirectory="$DIR/data" tmpDataDirectory="$DIR/tmp">
    <managementContext>
      <managementContext createConnector="false"/>
    </managementContext>
    <transportConnectors>
      <!-- The only listener: STOMP over TCP, loopback only. -->
      <transportConnector name="stomp" uri="stomp://127.0.0.1:$STOMP_PORT"/>
    </transportConnectors>
  </broker>
</beans>
EOF
  cat >"$DIR/log4j2.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = $DIR/log/activemq.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d | %-5p | %m | %c | %t%n
EOF
  # Debian's build logs through the log4j 1.2 API: its configuration too.
  cat >"$DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$DIR/log/activemq.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d | %-5p | %m | %c | %t%n
EOF
  if id activemq >/dev/null 2>&1; then chown -R activemq:activemq "$DIR"; fi
}

version() { dpkg-query -W -f='${Version}' activemq 2>/dev/null || echo unknown; }

our_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  install
  if pid=$(our_pid) && port_open "$STOMP_PORT"; then
    log "already running (pid $pid): stomp://127.0.0.1:$STOMP_PORT"
    return 0
  fi
  if port_open "$STOMP_PORT"; then
    log "127.0.0.1:$STOMP_PORT is taken by something this script did not start; set RTC_ACTIVEMQ_STOMP_PORT"
    exit 1
  fi
  rm -rf "$DIR/data" "$DIR/tmp"
  configure
  log "ActiveMQ $(version), instance in $DIR"
  local runas=()
  if [ "$(id -u)" = 0 ] && id activemq >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then runas=(runuser -u activemq --); fi
  # A session of its own (so that it outlives the shell that started it); its process group is what stop ends.
  setsid nohup "${runas[@]}" java -Xms64M -Xmx256M -Djava.awt.headless=true \
    --add-reads=java.xml=java.logging \
    --add-opens java.base/java.security=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.naming/javax.naming.spi=ALL-UNNAMED --add-opens java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    -Djava.io.tmpdir="$DIR/tmp" \
    -Dlog4j2.configurationFile="$DIR/log4j2.properties" -Dlog4j.configuration="file:$DIR/log4j.properties" \
    -Dactivemq.classpath="$HOME_DIR/lib/" -Dactivemq.home="$HOME_DIR" -Dactivemq.base="$DIR" \
    -Dactivemq.conf="$DIR" -Dactivemq.data="$DIR/data" \
    -jar "$HOME_DIR/bin/activemq.jar" start "xbean:file:$DIR/activemq.xml" >"$DIR/log/console.log" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + 90))
  echo "$pid" >"$PIDFILE"
  until port_open "$STOMP_PORT"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
      log "did not come up; last lines of its logs:"
      tail -n 30 "$DIR/log/console.log" "$DIR/log/activemq.log" >&2 2>/dev/null || true
      stop
      exit 1
    fi
    sleep 1
  done
  log "up (pid $pid): STOMP over TCP stomp://127.0.0.1:$STOMP_PORT (no login needed)"
}

stop() {
  local pid
  if pid=$(our_pid); then
    # The process group of the session start created: the java broker (and runuser in front of it), nothing else.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  if pid=$(our_pid) && port_open "$STOMP_PORT"; then
    echo "running: ActiveMQ $(version) (pid $pid), STOMP over TCP stomp://127.0.0.1:$STOMP_PORT"
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
