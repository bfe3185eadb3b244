#!/usr/bin/env bash
# Starts the PostgreSQL and Redis the suite's second run uses, where they are
# installed but not running (this machine's kind starts them before a session;
# the commands are those it uses). Installs nothing; says what it could not do.
set -uo pipefail
if ! (command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432); then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "ensure-services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || echo "ensure-services: PostgreSQL did not start" >&2
  else
    echo "ensure-services: PostgreSQL is not installed here" >&2
  fi
fi
if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  if command -v redis-server >/dev/null; then
    echo "ensure-services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || echo "ensure-services: Redis did not start" >&2
  else
    echo "ensure-services: Redis is not installed here" >&2
  fi
fi
for _ in $(seq 1 20); do
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
  sleep 0.5
done
exit 0
