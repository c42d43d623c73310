#!/usr/bin/env bash
# Regenerates the screenshots in docs/screenshots/: runs the browser walks (the end-to-end tests with the trait
# Category=Browser: the demo shop and the operator console in Debian's headless Chromium), which save each page they
# check when PAYMENTS_SCREENSHOTS names a folder. Same requirements as scripts/test.sh (PostgreSQL, chromium).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ -z "${PAYMENTS_TEST_POSTGRES:-}" ]; then
  PAYMENTS_TEST_POSTGRES="$(bash scripts/postgres.sh payments_screenshots | tail -n 1)"
  export PAYMENTS_TEST_POSTGRES
fi
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "[screenshots] chromium and chromium-driver are needed: apt-get install chromium chromium-driver" >&2
  exit 1
fi

dotnet build tests/Payments.EndToEnd.Tests -c Release -nologo -v q
out="$root/docs/screenshots"
rm -rf "$out.new"
PAYMENTS_SCREENSHOTS="$out.new" tests/Payments.EndToEnd.Tests/bin/Release/net10.0/Payments.EndToEnd.Tests -trait "Category=Browser" -noColor
rm -rf "$out" && mv "$out.new" "$out"
echo "[screenshots] $(ls "$out" | wc -l) pages in docs/screenshots/"
