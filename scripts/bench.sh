#!/usr/bin/env bash
# The reproducible benchmarks (docs/benchmarks.md): from a clean clone, makes PostgreSQL available (database
# payments_bench), builds Release, runs bench/Payments.Bench, which starts and stops its own host and sandbox
# processes, and writes docs/benchmarks.md.
#   bash scripts/bench.sh            full run (3 repeats, 1M events / 1M documents; about 25 minutes)
#   bash scripts/bench.sh --quick    smoke check of the harness (1 repeat, short windows, a tenth of the data)
#   bash scripts/bench.sh --only webhooks|ack|post|rebuild|list|hosts|chain   one figure (combines with --quick)
# Ctrl+C stops everything it started. Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v pgbench >/dev/null 2>&1 || { echo "[bench] pgbench is missing (Debian: postgresql-contrib / postgresql-client)" >&2; exit 1; }

connection="$(bash scripts/postgres.sh payments_bench | tail -n 1)"

echo "[bench] building Release"
dotnet build Payments.sln -c Release -nologo -v q

BENCH_GIT_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
BENCH_DOTNET_SDK="$(dotnet --version)"
export BENCH_GIT_COMMIT BENCH_DOTNET_SDK

bench_pid=""
stop() { if [ -n "$bench_pid" ]; then kill -TERM "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true; fi; }
trap stop INT TERM

dotnet bench/Payments.Bench/bin/Release/net10.0/Payments.Bench.dll \
  --connection "$connection" --root "$root" --out "$root/docs/benchmarks.md" \
  --command "bash scripts/bench.sh${*:+ $*}" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=""
exit "$status"
