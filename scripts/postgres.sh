#!/usr/bin/env bash
# Makes a local PostgreSQL available and prints its connection string on the last line.
# Idempotent: installs the server with apt-get when missing, starts the cluster, creates role and database.
# Sourced or run by scripts/test.sh and scripts/run.sh; never needs Docker.
set -euo pipefail

PG_ROLE="${PAYMENTS_PG_ROLE:-payments}"
PG_PASSWORD="${PAYMENTS_PG_PASSWORD:-payments}"
PG_DATABASE="${1:-${PAYMENTS_PG_DATABASE:-payments}}"
PG_PORT="${PAYMENTS_PG_PORT:-5432}"

log() { echo "[postgres] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "PostgreSQL server not found: installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2
  as_root apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  log "creating cluster $version/main"
  as_root pg_createcluster "$version" main >&2
fi

if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  log "starting cluster $version/main"
  as_root pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 50); do
  if as_root su postgres -c "pg_isready -q -p $PG_PORT" 2>/dev/null; then break; fi
  sleep 0.2
done

psql_admin() { as_root su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qtA $*"; }

# The tests run several hosts (a fleet of three, killed and restarted) beside each other against this one server:
# PostgreSQL's default of 100 connections has run out under them. Raised once, with a restart, only when lower.
PG_MAX_CONNECTIONS="${PAYMENTS_PG_MAX_CONNECTIONS:-300}"
if [ "$(psql_admin "-c \"show max_connections\"")" -lt "$PG_MAX_CONNECTIONS" ]; then
  log "raising max_connections to $PG_MAX_CONNECTIONS (restarts the cluster once)"
  psql_admin "-c \"alter system set max_connections = $PG_MAX_CONNECTIONS\"" >&2
  as_root pg_ctlcluster "$version" main restart >&2
  for _ in $(seq 1 50); do
    if as_root su postgres -c "pg_isready -q -p $PG_PORT" 2>/dev/null; then break; fi
    sleep 0.2
  done
fi

if [ "$(psql_admin "-c \"select 1 from pg_roles where rolname = '$PG_ROLE'\"")" != "1" ]; then
  log "creating role $PG_ROLE"
  psql_admin "-c \"create role $PG_ROLE login password '$PG_PASSWORD' createdb\"" >&2
fi

if [ "$(psql_admin "-c \"select 1 from pg_database where datname = '$PG_DATABASE'\"")" != "1" ]; then
  log "creating database $PG_DATABASE"
  psql_admin "-c \"create database $PG_DATABASE owner $PG_ROLE\"" >&2
fi

echo "Host=localhost;Port=$PG_PORT;Database=$PG_DATABASE;Username=$PG_ROLE;Password=$PG_PASSWORD"
