#!/usr/bin/env bash
# The deterministic whole-lifecycle simulation (docs/architecture.md, "Deterministic simulation"): builds the
# simulator in Release (warnings are errors), then runs seeds. No database, no network, no clock: a seed is a history.
#   bash scripts/simulate.sh --seeds N [--start S] [--payments P]   N seeds from S (default 1), P payments each (2000)
#   bash scripts/simulate.sh --seed S [--payments P] --payment I [--without 1,2] [--history]   replay one failing payment
#   ... --mutation SkipVersionCheck|RefundIgnoresInFlight|WebhookSkipsDecidedCheck   break a rule on purpose
# Exit code 1 when a seed fails: its seed, the replay command and the failing payment's minimal history are printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "[simulate] building sim/Payments.Simulation (Release)" >&2
dotnet build sim/Payments.Simulation/Payments.Simulation.csproj -c Release -nologo -v q >&2

exec dotnet sim/Payments.Simulation/bin/Release/net10.0/Payments.Simulation.dll "$@"
