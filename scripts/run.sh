#!/usr/bin/env bash
# The README's run command: PostgreSQL (installed and started when missing), the Checkout.com sandbox on :5090 and
# the payments service on :5080, wired together (secret key, processing channel, webhook URL and signature key).
# The demo shop (src/Payments.Shop) on :5070 pays through the service. Ctrl+C stops them all.
# PAYMENTS_URL / SANDBOX_URL / SHOP_URL / SANDBOX_TIME_SCALE override the defaults.
#
# --nodes N (N > 1): a local fleet instead — N identical services on :5081..:508N against the same database, behind
# the YARP proxy (src/Payments.Proxy) on PAYMENTS_URL, which the sandbox's webhooks also go to.
set -euo pipefail
nodes=1
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="${2:?--nodes needs a number}"; shift 2 ;;
    --nodes=*) nodes="${1#--nodes=}"; shift ;;
    *) echo "usage: scripts/run.sh [--nodes N]" >&2; exit 2 ;;
  esac
done
if ! [[ "$nodes" =~ ^[1-9]$ ]]; then echo "--nodes takes 1 to 9 (ports 5081..5089)" >&2; exit 2; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

service_url="${PAYMENTS_URL:-http://localhost:5080}"
sandbox_url="${SANDBOX_URL:-http://localhost:5090}"
shop_url="${SHOP_URL:-http://localhost:5070}"
secret_key="sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
signature_key="whsec_local_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
channel="pc_localprocessingchannel0000"

ConnectionStrings__Payments="$(bash scripts/postgres.sh payments | tail -n 1)"
export ConnectionStrings__Payments

echo "[run] building"
dotnet build src/Payments.Host -c Release -nologo -v q
dotnet build src/Payments.Sandbox -c Release -nologo -v q
dotnet build src/Payments.Shop -c Release -nologo -v q
if [ "$nodes" -gt 1 ]; then dotnet build src/Payments.Proxy -c Release -nologo -v q; fi

pids=()
proxy_settings=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

Sandbox__SecretKey="$secret_key" Sandbox__WebhookUrl="$service_url/webhooks/checkout" \
Sandbox__WebhookSignatureKey="$signature_key" Sandbox__TimeScale="${SANDBOX_TIME_SCALE:-1}" Sandbox__RefundProcessing=00:00:03 \
ASPNETCORE_URLS="$sandbox_url" ASPNETCORE_ENVIRONMENT=Development \
  dotnet run --project src/Payments.Sandbox -c Release --no-build --no-launch-profile &
pids+=($!)

if [ "$nodes" -eq 1 ]; then
Checkout__BaseUrl="$sandbox_url" Checkout__SecretKey="$secret_key" Checkout__ProcessingChannelId="$channel" \
Checkout__WebhookSignatureKey="$signature_key" \
ASPNETCORE_URLS="$service_url" ASPNETCORE_ENVIRONMENT=Development \
  dotnet run --project src/Payments.Host -c Release --no-build --no-launch-profile &
pids+=($!)
else
  checkout_settings=(Checkout__BaseUrl="$sandbox_url" Checkout__SecretKey="$secret_key" Checkout__ProcessingChannelId="$channel"
    Checkout__WebhookSignatureKey="$signature_key" ASPNETCORE_ENVIRONMENT=Development)
  node_urls=()
  node_pids=()
  for i in $(seq 1 "$nodes"); do
    url="http://127.0.0.1:508$i"
    # The built assembly itself (not `dotnet run`), so the pid printed below is the node's own process.
    # Every node gets the same configuration: the fleet's leader gives each its share of the work.
    (cd src/Payments.Host/bin/Release/net10.0 && exec env "${checkout_settings[@]}" ASPNETCORE_URLS="$url" \
      dotnet Payments.Host.dll) &
    pids+=($!); node_pids+=($!); node_urls+=("$url")
    proxy_settings+=("Proxy__Backends__$((i - 1))=$url")
  done
  for url in "${node_urls[@]}"; do
    for _ in $(seq 1 120); do curl -fs "$url/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  (cd src/Payments.Proxy/bin/Release/net10.0 && exec env "${proxy_settings[@]}" ASPNETCORE_URLS="$service_url" dotnet Payments.Proxy.dll) &
  pids+=($!)
fi

# The shop: the documented development key with exactly payments:write and backoffice:read (README, "API keys").
Shop__PaymentsUrl="$service_url" Shop__ApiKey="pk_dev_shop_5e2b9c14" Shop__PublicUrl="$shop_url" \
ASPNETCORE_URLS="$shop_url" ASPNETCORE_ENVIRONMENT=Development \
  dotnet run --project src/Payments.Shop -c Release --no-build --no-launch-profile &
pids+=($!)

for _ in $(seq 1 120); do
  if curl -fs "$service_url/health/ready" >/dev/null 2>&1 && curl -fs "$sandbox_url/" >/dev/null 2>&1 && curl -fs "$shop_url/" >/dev/null 2>&1; then break; fi
  sleep 0.5
done

if [ "$nodes" -gt 1 ]; then
  echo
  echo "  A fleet of $nodes nodes behind the proxy on $service_url (round robin; /health/ready checked every second):"
  for i in $(seq 1 "$nodes"); do
    echo "    node$i  ${node_urls[$((i - 1))]}  pid ${node_pids[$((i - 1))]}"
  done
  echo "  Kill one (kill -9 ${node_pids[$(( nodes - 1 ))]}) and keep calling $service_url: within about a second the"
  echo "  proxy stops sending it requests, and the others answer for it (the same database, the same payments);"
  echo "  within about ten seconds (Fleet:StaleNodeTimeout) its scheduled checks and projections move to a survivor."
fi

cat <<EOT

  Payments service  $service_url   (GET /health, POST /payments, GET /payments/{id}, POST /payments/{id}/refunds)
  Checkout sandbox  $sandbox_url   (the KNET page; control API under /_sandbox)
  Demo shop         $shop_url   (open it in a browser: cart → Pay with KNET → receipt)
  Operator console  $service_url/console   (sign in with the API key pk_dev_admin_c57a90d2)

  Create a payment:
    curl -s -X POST $service_url/payments -H 'Authorization: Bearer pk_dev_merchant_3f9c2a71' -H 'Content-Type: application/json' \\
      -d '{"amount":1500,"currency":"KWD","reference":"ORDER-1","language":"en","successUrl":"$sandbox_url/","failureUrl":"$sandbox_url/"}'
  then open its redirectUrl in a browser and pay with: Knet Test Card [KNET1], 8888880000000001, 09/2025, PIN 1234.

  Ctrl+C stops them all.
EOT
wait
