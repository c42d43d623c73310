#!/usr/bin/env bash
# Regenerates src/Payments.Host/Internal/Generated: Wolverine's code for every handler and HTTP endpoint, which every
# environment but Development loads instead of compiling it (docs/architecture.md, "Generated code").
# The test `the_committed_code_is_what_the_handlers_generate` fails until this has been run after a change to a
# handler, an endpoint, a Wolverine policy or a Wolverine version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/src/Payments.Host"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The old code may no longer compile against the changed handlers, and Development does not need it: out first.
rm -rf "$project/Internal/Generated"
dotnet build "$project" -c Release -nologo -v q
# The project folder is the content root, so the code is written under it. The command needs no database; the
# connection string only satisfies the host's configuration check.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! (cd "$project" && ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Payments="Host=localhost;Database=payments" \
  dotnet bin/Release/net10.0/Payments.Host.dll codegen write 2>"$log" | sed "s|$root/||"); then
  cat "$log" >&2
  exit 1
fi
# Compiled into the assembly, as a deployment has it.
dotnet build "$project" -c Release -nologo -v q
