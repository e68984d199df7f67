#!/usr/bin/env bash
# prom.sh — fetch Debian's prometheus package (prometheus and promtool) for
# slorec's integration tests, without installing it system-wide: the .deb is
# downloaded with apt-get and unpacked into a cache directory OUTSIDE the
# repository, so no service is registered or started.
#
#   ${SLOREC_PROM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/slorec/prometheus}/usr/bin
#
# Usage: scripts/prom.sh {setup|bin}
#
#   setup  download and unpack the package if the binaries are missing
#          (idempotent), then print the directory holding them
#   bin    print the directory holding prometheus and promtool; exit 3 if
#          setup has not run
#
# Tests find the binaries through SLOREC_PROMETHEUS_BIN (set by
# scripts/test.sh); with CI=true they fail rather than skip when it is unset.
set -euo pipefail

HOME_DIR="${SLOREC_PROM_HOME:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/slorec/prometheus}"
BIN="$HOME_DIR/usr/bin"

log() { printf 'prom.sh: %s\n' "$*" >&2; }
die() { printf 'prom.sh: error: %s\n' "$*" >&2; exit 1; }

have() { [ -x "$BIN/prometheus" ] && [ -x "$BIN/promtool" ]; }

setup() {
	if have; then
		echo "$BIN"
		return
	fi
	command -v apt-get >/dev/null || die "apt-get not found; install Debian's prometheus package and set SLOREC_PROMETHEUS_BIN to its bin directory"
	mkdir -p "$HOME_DIR"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	log "downloading Debian's prometheus package"
	# apt-get download needs a fresh package list on a new machine.
	if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
		apt-get update >/dev/null
		(cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) || die "apt-get download prometheus failed"
	fi
	deb=$(ls "$tmp"/prometheus_*.deb)
	dpkg-deb -x "$deb" "$tmp/x"
	mkdir -p "$BIN"
	cp "$tmp/x/usr/bin/prometheus" "$tmp/x/usr/bin/promtool" "$BIN/"
	have || die "unpacked package lacks prometheus or promtool"
	log "$("$BIN/promtool" --version 2>&1 | head -1)"
	echo "$BIN"
}

case "${1:-}" in
setup) setup ;;
bin)
	have || { log "not set up; run: $0 setup"; exit 3; }
	echo "$BIN"
	;;
*)
	echo "usage: $0 {setup|bin}" >&2
	exit 2
	;;
esac
