#!/usr/bin/env bash
# The README's run command: PostgreSQL (installed and started when missing), the Checkout.com sandbox on :5090 and
# the payments service on :5080, wired together (secret key, processing channel, webhook URL and signature key).
# Ctrl+C stops both. PAYMENTS_URL / SANDBOX_URL / SANDBOX_TIME_SCALE override the defaults.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

service_url="${PAYMENTS_URL:-http://localhost:5080}"
sandbox_url="${SANDBOX_URL:-http://localhost:5090}"
secret_key="sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
signature_key="whsec_local_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
channel="pc_localprocessingchannel0000"

ConnectionStrings__Payments="$(bash scripts/postgres.sh payments | tail -n 1)"
export ConnectionStrings__Payments

echo "[run] building"
dotnet build src/Payments.Host -c Release -nologo -v q
dotnet build src/Payments.Sandbox -c Release -nologo -v q

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

Sandbox__SecretKey="$secret_key" Sandbox__WebhookUrl="$service_url/webhooks/checkout" \
Sandbox__WebhookSignatureKey="$signature_key" Sandbox__TimeScale="${SANDBOX_TIME_SCALE:-1}" Sandbox__RefundProcessing=00:00:03 \
ASPNETCORE_URLS="$sandbox_url" ASPNETCORE_ENVIRONMENT=Development \
  dotnet run --project src/Payments.Sandbox -c Release --no-build --no-launch-profile &
pids+=($!)

Checkout__BaseUrl="$sandbox_url" Checkout__SecretKey="$secret_key" Checkout__ProcessingChannelId="$channel" \
Checkout__WebhookSignatureKey="$signature_key" \
ASPNETCORE_URLS="$service_url" ASPNETCORE_ENVIRONMENT=Development \
  dotnet run --project src/Payments.Host -c Release --no-build --no-launch-profile &
pids+=($!)

for _ in $(seq 1 120); do
  if curl -fs "$service_url/health" >/dev/null 2>&1 && curl -fs "$sandbox_url/" >/dev/null 2>&1; then break; fi
  sleep 0.5
done

cat <<EOT

  Payments service  $service_url   (GET /health, POST /payments, GET /payments/{id}, POST /payments/{id}/refunds)
  Checkout sandbox  $sandbox_url   (the KNET page; control API under /_sandbox)

  Create a payment:
    curl -s -X POST $service_url/payments -H 'Authorization: Bearer pk_dev_merchant_3f9c2a71' -H 'Content-Type: application/json' \\
      -d '{"amount":1500,"currency":"KWD","reference":"ORDER-1","language":"en","successUrl":"$sandbox_url/","failureUrl":"$sandbox_url/"}'
  then open its redirectUrl in a browser and pay with: Knet Test Card [KNET1], 8888880000000001, 09/2025, PIN 1234.

  Ctrl+C stops both.
EOT
wait
