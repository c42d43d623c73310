#!/usr/bin/env bash
# Regenerates docs/state-diagram.md from the Stateless machines in src/Payments.Domain/Machines.cs.
# The test `the_committed_diagram_is_what_the_machines_generate` fails until this has been run after a machine change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The command needs no database; the connection string only satisfies the host's configuration check.
ConnectionStrings__Payments="${ConnectionStrings__Payments:-Host=localhost;Database=payments}" \
  dotnet run --project "$root/src/Payments.Host" -v q -- diagram --output "$root/docs/state-diagram.md" 2>&1 \
  | grep -E "^Wrote |ERROR|rror" || true
test -s "$root/docs/state-diagram.md"
