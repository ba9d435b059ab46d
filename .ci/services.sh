#!/usr/bin/env bash
# Checks that the machine's local services answer and starts the ones that have stopped, with
# the same commands the machine uses at boot.
set -uo pipefail

wait_for() { # name, check command
  for _ in $(seq 1 30); do
    if eval "$2" >/dev/null 2>&1; then echo "$1: up"; return 0; fi
    sleep 1
  done
  echo "$1: did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "postgres: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
wait_for postgres "pg_isready -h 127.0.0.1 -p 5432" || exit 1

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "redis: starting"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis "redis-cli -h 127.0.0.1 -p 6379 ping" || exit 1
