#!/usr/bin/env bash
# pg.sh — provision and run a throwaway PostgreSQL 17 + pgvector 0.8 server for
# slorec development and tests, without installing PostgreSQL on the host.
#
# The server lives in a Debian trixie chroot built with mmdebstrap and kept
# OUTSIDE the repository:
#
#   ${SLOREC_PG_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/slorec/pg}/root   the chroot
#   <root>/var/lib/slorec-data                                         PGDATA
#   <root>/var/log/postgresql/slorec.log                               server log
#
# It listens on 127.0.0.1:${SLOREC_PG_PORT:-55432} only (TCP), plus a unix
# socket in /tmp inside the chroot. Authentication is "trust" for the
# "postgres" superuser.
#
# Usage: scripts/pg.sh {setup|start|stop|reset|status|url}
#
#   setup   install mmdebstrap if missing, build the chroot if missing,
#           initdb if missing (idempotent)
#   start   setup if needed, start the server if not running, wait until it
#           accepts connections, CREATE EXTENSION vector in template1 and in
#           the postgres database (idempotent)
#   stop    fast shutdown; no error if not running
#   reset   stop, delete the data directory, initdb again (keeps the chroot)
#   status  print whether the server is running; exit 0 if running, 3 if not
#   url     print the DATABASE_URL
#
# Typical use:
#   sudo scripts/pg.sh start
#   export DATABASE_URL="$(scripts/pg.sh url)"
#
# Everything except "url" needs root (mmdebstrap and chroot do).
set -euo pipefail

PG_MAJOR=17
SUITE=trixie
PG_HOME="${SLOREC_PG_HOME:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/slorec/pg}"
PG_PORT="${SLOREC_PG_PORT:-55432}"
# 1 GB holds the retrieval benchmark's 100k-chunk working set (posting
# index, chunks, HNSW graph); PostgreSQL's compiled-in 128 MB does not, and
# searches then read pages back from the OS cache (docs/performance.md).
PG_SHARED_BUFFERS="${SLOREC_PG_SHARED_BUFFERS:-1GB}"
ROOT="$PG_HOME/root"
BIN="/usr/lib/postgresql/$PG_MAJOR/bin"          # path inside the chroot
DATA=/var/lib/slorec-data                         # path inside the chroot
LOGDIR=/var/log/postgresql                        # path inside the chroot
LOGFILE="$LOGDIR/slorec.log"                      # path inside the chroot
SOCKDIR=/tmp                                      # path inside the chroot

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { printf 'pg.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat >&2 <<EOF
usage: $0 {setup|start|stop|reset|status|url}

  setup   build the Debian $SUITE chroot with PostgreSQL $PG_MAJOR + pgvector and initdb (idempotent)
  start   setup if needed, start the server, create the vector extension (idempotent)
  stop    fast shutdown (no error if not running)
  reset   stop, wipe the data directory and initdb again (keeps the chroot)
  status  report whether the server is running (exit 0 running, 3 not running)
  url     print the DATABASE_URL

environment:
  SLOREC_PG_HOME  state directory (default \${XDG_CACHE_HOME:-\$HOME/.cache}/slorec/pg; now $PG_HOME)
  SLOREC_PG_PORT  TCP port on 127.0.0.1 (default 55432; now $PG_PORT)
  SLOREC_PG_SHARED_BUFFERS  shared_buffers (default 1GB; now $PG_SHARED_BUFFERS)
EOF
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap and chroot need it); try: sudo $0 $*"
}

# Run a command inside the chroot as the chroot's postgres user, with a clean
# environment so host settings (LANG, PG*, HOME, ...) cannot leak in.
as_pg() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/var/lib/postgresql \
		chroot --userspec=postgres:postgres "$ROOT" "$@" 9>&-
}

# Serialize mutating subcommands (e.g. parallel test runs all calling "start").
# as_pg closes fd 9 so the daemonized postmaster does not inherit the lock.
take_lock() {
	mkdir -p "$PG_HOME"
	exec 9>"$PG_HOME/lock"
	if ! flock -n 9; then
		log "waiting for another pg.sh holding $PG_HOME/lock"
		flock 9
	fi
}

chroot_ready() { [ -x "$ROOT$BIN/postgres" ] && [ -f "$ROOT/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; }
data_ready() { [ -f "$ROOT$DATA/PG_VERSION" ]; }

ensure_mmdebstrap() {
	command -v mmdebstrap >/dev/null 2>&1 && return 0
	log "installing mmdebstrap with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y mmdebstrap; then
		log "apt-get install failed; running apt-get update and retrying"
		apt-get update
		apt-get install -y mmdebstrap
	fi
	command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap still not found after installing it"
}

build_chroot() {
	if chroot_ready; then
		return 0
	fi
	ensure_mmdebstrap
	[ -e "$ROOT" ] && die "$ROOT exists but is not a complete chroot; remove it (rm -rf --one-file-system '$ROOT') and rerun"
	mkdir -p "$PG_HOME"
	local tmp="$PG_HOME/root.tmp"
	if [ -e "$tmp" ]; then
		log "removing leftover partial build $tmp"
		# --one-file-system: never follow a stale bind mount out of the tree.
		rm -rf --one-file-system "$tmp"
	fi
	log "building Debian $SUITE chroot with postgresql-$PG_MAJOR + pgvector + rum in $tmp (takes a minute or two)"
	# The essential hook runs before postgresql-common is configured, so its
	# postinst does not create (and start) a "main" cluster; we initdb our own.
	# The path-excludes slim the chroot (~440MB -> ~250MB, data dir included):
	#  - docs, man pages, info, translations, lintian overrides;
	#  - locale sources (/usr/share/i18n): we only use C.UTF-8, which libc
	#    ships precompiled in /usr/lib/locale (kept); SUPPORTED is kept for
	#    the locales postinst;
	#  - the LLVM JIT (libLLVM, libz3, llvmjit.so, bitcode): the server runs
	#    with jit=off, and without llvmjit.so PostgreSQL silently treats JIT
	#    as unavailable even if a session sets jit=on.
	# The excludes persist in the chroot's /etc/dpkg/dpkg.cfg.d/99mmdebstrap.
	# APT::Sandbox::User=root: $HOME/.cache is often unreadable for _apt.
	# shellcheck disable=SC2016 # $1 in the hook is expanded by mmdebstrap's sh
	mmdebstrap \
		--variant=apt \
		--include="postgresql-$PG_MAJOR,postgresql-$PG_MAJOR-pgvector,postgresql-$PG_MAJOR-rum" \
		--essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/slorec.conf"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/lintian/*' \
		--dpkgopt='path-exclude=/usr/share/i18n/charmaps/*' \
		--dpkgopt='path-exclude=/usr/share/i18n/locales/*' \
		--dpkgopt='path-exclude=/usr/lib/*/libLLVM*' \
		--dpkgopt='path-exclude=/usr/lib/*/libz3.so*' \
		--dpkgopt='path-exclude=/usr/lib/postgresql/*/lib/llvmjit*' \
		--dpkgopt='path-exclude=/usr/lib/postgresql/*/lib/bitcode/*' \
		--aptopt='APT::Sandbox::User "root"' \
		"$SUITE" "$tmp" </dev/null
	mv -T "$tmp" "$ROOT"
	chroot_ready || die "chroot built but $BIN/postgres or vector.control is missing"
	log "chroot ready: $ROOT"
}

# uid/gid of the postgres user *inside* the chroot.
pg_ids() {
	local line
	line="$(grep '^postgres:' "$ROOT/etc/passwd")" || die "no postgres user in $ROOT/etc/passwd"
	IFS=: read -r _ _ PG_UID PG_GID _ <<<"$line"
}

init_data() {
	if data_ready; then
		return 0
	fi
	pg_ids
	log "initdb $DATA (inside the chroot)"
	mkdir -p "$ROOT$DATA" "$ROOT$LOGDIR"
	chown "$PG_UID:$PG_GID" "$ROOT$DATA" "$ROOT$LOGDIR"
	chmod 0700 "$ROOT$DATA"
	as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
	log "data directory ready: $ROOT$DATA"
}

do_setup() {
	build_chroot
	init_data
}

# True if PID is a live (non-zombie) "postgres" process whose root is our chroot.
is_our_postgres() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null || true)" = postgres ] || return 1
	[ "$(readlink "/proc/$1/root" 2>/dev/null || true)" = "$(realpath "$ROOT")" ]
}

# First line of a PostgreSQL lock file (postmaster.pid, .s.PGSQL.N.lock): a PID.
lockfile_pid() {
	local pid
	pid="$(head -n1 "$1" 2>/dev/null || true)"
	case "$pid" in '' | *[!0-9]*) return 1 ;; esac
	echo "$pid"
}

# Running = postmaster.pid names a live postgres process in our chroot. Checked
# from the host's /proc rather than with "pg_ctl status", which only does
# kill(pid, 0) and is fooled by a stale postmaster.pid whose PID was reused
# (common after a container or machine restart).
is_running() {
	local pid
	pid="$(lockfile_pid "$ROOT$DATA/postmaster.pid")" || return 1
	is_our_postgres "$pid"
}

# Before starting, deal with lock files left by a server that died (kill -9,
# OOM, reboot). PostgreSQL refuses to start while the PID in postmaster.pid or
# in the socket lock file passes kill(pid, 0). Two cases trip that:
#  - the old postmaster is a zombie not yet reaped by init (seen on this kind
#    of VM for ~1-2 s after kill -9): wait for it to go away;
#  - the PID was reused by an unrelated process: the file is stale, remove it.
# A dead PID is left alone; PostgreSQL handles that itself (including its
# check that no orphaned backend still uses the old shared memory).
clear_stale_locks() {
	local f pid i
	for f in "$ROOT$DATA/postmaster.pid" "$ROOT$SOCKDIR/.s.PGSQL.$PG_PORT.lock"; do
		pid="$(lockfile_pid "$f")" || continue
		for i in $(seq 50); do
			[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)" = Z ] || break
			[ "$i" -eq 1 ] && log "waiting for dead server process $pid to be reaped"
			sleep 0.2
		done
		if [ -d "/proc/$pid" ] && ! is_our_postgres "$pid"; then
			log "removing stale $f (PID $pid is not our server)"
			rm -f "$f"
		fi
	done
}

# Port the running server actually listens on (4th line of postmaster.pid),
# falling back to the configured one.
running_port() {
	local p
	p="$(sed -n 4p "$ROOT$DATA/postmaster.pid" 2>/dev/null || true)"
	case "$p" in '' | *[!0-9]*) p="$PG_PORT" ;; esac
	echo "$p"
}

psql_in() {
	local db="$1"
	shift
	as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$(running_port)" -U postgres -d "$db" "$@"
}

do_start() {
	do_setup
	if is_running; then
		log "already running on 127.0.0.1:$(running_port)"
	else
		clear_stale_locks
		log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT"
		# Test/dev settings. fsync, synchronous_commit and full_page_writes are
		# OFF: this database is disposable; an OS crash or power loss (not a mere
		# server crash) may corrupt it — use "reset" if that happens. Never copy
		# these settings to production.
		# jit=off: JIT only adds latency to short test queries.
		# dynamic_shared_memory_type=mmap: parallel-query segments are files in
		# PGDATA/pg_dynshmem, so nothing (no /dev/shm, no /proc) has to be
		# mounted into the chroot.
		local opts=(
			"-c listen_addresses=127.0.0.1"
			"-c port=$PG_PORT"
			"-c unix_socket_directories=$SOCKDIR"
			"-c max_connections=200"
			"-c jit=off"
			"-c dynamic_shared_memory_type=mmap"
			"-c fsync=off"
			"-c synchronous_commit=off"
			"-c full_page_writes=off"
			"-c shared_buffers=$PG_SHARED_BUFFERS"
		)
		if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start -o "${opts[*]}" >/dev/null; then
			log "server failed to start; last lines of $ROOT$LOGFILE:"
			tail -n 30 "$ROOT$LOGFILE" >&2 || true
			exit 1
		fi
	fi
	local db
	for db in template1 postgres; do
		psql_in "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS vector' \
			|| die "CREATE EXTENSION vector failed in database $db"
	done
	log "ready: $(do_url)"
}

do_stop() {
	if is_running; then
		log "stopping PostgreSQL (fast)"
		as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
		log "stopped"
	else
		log "not running"
	fi
}

do_reset() {
	do_stop
	if [ -d "$ROOT$DATA" ]; then
		log "deleting data directory $ROOT$DATA"
		rm -rf --one-file-system "$ROOT$DATA"
	fi
	do_setup
}

do_status() {
	if is_running; then
		echo "running: $(do_url) (pid $(head -n1 "$ROOT$DATA/postmaster.pid"), chroot $ROOT)"
		return 0
	fi
	if ! chroot_ready; then
		echo "not set up: no chroot at $ROOT (run: $0 setup)"
	elif ! data_ready; then
		echo "stopped: chroot ready, no data directory (run: $0 setup)"
	else
		echo "stopped (chroot $ROOT)"
	fi
	return 3
}

do_url() {
	local port="$PG_PORT"
	if [ -f "$ROOT$DATA/postmaster.pid" ]; then
		port="$(running_port)"
	fi
	echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

main() {
	local cmd="${1:-}"
	case "$cmd" in
	setup) need_root "$@"; take_lock; do_setup; log "setup complete" ;;
	start) need_root "$@"; take_lock; do_start ;;
	stop) need_root "$@"; take_lock; do_stop ;;
	reset) need_root "$@"; take_lock; do_reset; log "reset complete (server stopped; run: $0 start)" ;;
	status) need_root "$@"; do_status ;;
	url) do_url ;;
	-h | --help | help) usage ;;
	*)
		[ -n "$cmd" ] && printf 'pg.sh: unknown subcommand: %s\n' "$cmd" >&2
		usage
		exit 2
		;;
	esac
}

main "$@"
