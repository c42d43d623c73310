"""Latency of POST /payments on one node: sequential, one keep-alive connection, 20 warm-up requests dropped.

Usage: python3 scripts/bench-writes.py HOST PORT N valid|invalid   (valid: 201, calls Checkout; invalid: 422 after the
rate limiter, so it measures the edge and the limiter). Prints p50/p99/mean in ms and the status counts.
Run the node with RateLimits__PermitsPerWindow high enough for N (docs/architecture.md, "Rate limits").
"""
import http.client, json, sys, time, statistics, collections
host, port, n, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
body = {"amount":1500,"currency":"KWD","reference":"ORDER-1","language":"en",
        "successUrl":"http://127.0.0.1:5390/","failureUrl":"http://127.0.0.1:5390/"}
if kind == "invalid":
    body["amount"] = 1501  # KNET amounts end in 0: 422 from the endpoint's validation, after the limiter
data = json.dumps(body)
headers = {"Authorization": "Bearer pk_dev_merchant_3f9c2a71", "Content-Type": "application/json"}
conn = http.client.HTTPConnection(host, port)
times, statuses = [], collections.Counter()
for i in range(n + 20):
    t = time.perf_counter()
    conn.request("POST", "/payments", data, headers)
    r = conn.getresponse(); r.read()
    dt = (time.perf_counter() - t) * 1000
    if i >= 20: times.append(dt); statuses[r.status] += 1
times.sort()
q = lambda p: times[min(len(times) - 1, int(round(p * (len(times) - 1))))]
print(f"{kind:8} n={n} p50={q(0.50):.2f}ms p99={q(0.99):.2f}ms mean={statistics.mean(times):.2f}ms statuses={dict(statuses)}")
