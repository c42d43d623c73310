#!/usr/bin/env bash
# The README's test command. On a fresh Debian machine with the .NET SDK it makes PostgreSQL available (Docker
# through Testcontainers when an engine answers, else a local server it installs and starts), builds Release with
# warnings as errors, runs every test project, and ends with the runner's own counts: "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ -z "${PAYMENTS_TEST_POSTGRES:-}" ]; then
  if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; then
    echo "[test] a Docker engine answers: the host tests start PostgreSQL with Testcontainers"
  else
    echo "[test] no Docker engine: using a local PostgreSQL"
    PAYMENTS_TEST_POSTGRES="$(bash scripts/postgres.sh payments_tests | tail -n 1)" || {
      echo "[test] could not make PostgreSQL available"; exit 1; }
    export PAYMENTS_TEST_POSTGRES
  fi
fi

# The browser test drives Debian's Chromium through Debian's chromedriver; nothing is downloaded at run time.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "[test] installing Debian's chromium and chromium-driver for the browser test"
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq && as_root apt-get install -y -qq chromium chromium-driver >/dev/null || {
    echo "[test] could not install chromium and chromium-driver"; exit 1; }
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "[test] dotnet build Payments.sln -c Release (warnings are errors)"
if ! dotnet build Payments.sln -c Release -nologo -v q; then
  echo "[test] the build failed: no test ran"
  exit 1
fi

echo "[test] dotnet test Payments.sln"
dotnet test Payments.sln -c Release --no-build --no-progress --no-ansi 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

count() { grep -E "^[[:space:]]*$1: [0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+"; }
total=$(count total); failed=$(count failed); passed=$(count succeeded); skipped=$(count skipped)
if [ -z "$total" ] || [ -z "$failed" ] || [ -z "$passed" ]; then
  echo "[test] the test runner reported no counts (exit code $status)"
  exit 1
fi

# The names of the failed tests again, just above the counts, where a truncated CI log still shows them.
if [ "$failed" != "0" ]; then
  echo "[test] failed tests:"
  grep -E "^[[:space:]]*failed [^:]" "$log" | sed -E 's/^[[:space:]]*/  /' | head -n 50
fi

summary="$passed passed, $failed failed"
[ "${skipped:-0}" != "0" ] && summary="$summary, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$failed" -ne 0 ]; then status=1; fi
if [ "$total" -eq 0 ]; then status=1; fi
echo "$summary"
exit "$status"
