#!/usr/bin/env bash
# The README's run command: a local PostgreSQL (installed and started when missing), then the service on
# http://localhost:5080 (PAYMENTS_URL overrides). Ctrl+C stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

url="${PAYMENTS_URL:-http://localhost:5080}"
ConnectionStrings__Payments="$(bash scripts/postgres.sh payments | tail -n 1)"
export ConnectionStrings__Payments
export ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

echo "[run] building the service"
dotnet build src/Payments.Host -c Release -nologo -v q
echo "[run] Payments.Host on $url — try: curl $url/health"
exec dotnet run --project src/Payments.Host -c Release --no-build --no-launch-profile
