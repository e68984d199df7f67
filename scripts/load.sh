#!/usr/bin/env bash
# Load test of the cached recommendation endpoint with wrk (Debian's
# `wrk` package): starts `slorec serve` on 127.0.0.1:18090 (in memory, or
# on DATABASE_URL when set, with authentication on and the per-token rate
# limit off), ingests the embedded e-commerce example, warms the cache,
# then runs wrk for DURATION (default 10s) with CONNECTIONS (default 16)
# connections on 2 threads and prints its latency distribution. With
# DATABASE_URL it writes the example and a token into that database.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "load.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
addr=127.0.0.1:18090
bin=$(mktemp -d)/slorec
go build -o "$bin" ./cmd/slorec
log=$(mktemp)
SLOREC_RATE_LIMIT=-1 SLOREC_ADDR=$addr "$bin" serve --auth on 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://$addr/healthz" >/dev/null && break; sleep 0.1; done
token=$(grep -o 'slorec_[A-Za-z0-9_-]*' "$log" | head -1 || true)
if [ -z "$token" ]; then
	token=$("$bin" token create --tenant default --name load --role editor | tail -1)
fi
api=http://$addr/api/v1
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @examples/ecommerce/topology.json $api/services/dependencies >/dev/null
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary @examples/ecommerce/metrics.csv $api/metrics >/dev/null
curl -sf -H "Authorization: Bearer $token" $api/services/checkout-service/slo-recommendations >/dev/null
wrk -t2 -c"${CONNECTIONS:-16}" -d"${DURATION:-10s}" --latency -H "Authorization: Bearer $token" "$api/services/checkout-service/slo-recommendations"
