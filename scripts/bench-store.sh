#!/usr/bin/env bash
# How interactive the store stays with a long history: `golive history` and
# `golive gate` on a store of 10,000 runs of a 300-item checklist (with
# marks, waivers and sign-offs written along the way), timed with
# hyperfine. The same queries straight through the sqlite3 client are the
# floor golive is compared with; the ratios say what golive adds on top
# (process start, migrations check, decoding and settling the latest run).
#
#   scripts/bench-store.sh                 # SQLite (the default store)
#   scripts/bench-store.sh --postgres      # and PostgreSQL on 127.0.0.1:5432
#   RUNS=2000 ITEMS=300 scripts/bench-store.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10000}
ITEMS=${ITEMS:-300}
postgres=false
[[ ${1:-} == --postgres ]] && postgres=true

log() { printf '\033[1mbench-store:\033[0m %s\n' "$*" >&2; }

if ! command -v hyperfine >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
  log "installing hyperfine and sqlite3"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hyperfine sqlite3 >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
log "building golive and the seeder (release)"
cargo build --release --quiet -p golive --bin golive -p golive-store --example seed
golive="$CARGO_TARGET_DIR/release/golive"
seed="$CARGO_TARGET_DIR/release/examples/seed"

work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  if [[ -n ${pgdb:-} ]]; then
    psql -q postgres://postgres@127.0.0.1:5432/postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" || true
  fi
}
trap cleanup EXIT

bench() { # name, store URL, sqlite3 floor commands (or empty)
  local name=$1 store=$2
  log "$name: timing with hyperfine"
  local cmds=(
    "$golive history --store '$store'"
    "$golive gate --store '$store' --format json"
    "$golive history --all --store '$store' --format json"
  )
  hyperfine --warmup 3 --min-runs 15 -N -i --export-json "$work/$name.json" "${cmds[@]}" "${@:3}" >&2
  python3 - "$work/$name.json" "$name" "$golive" "$store" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
name, golive, store = sys.argv[2:5]
short = lambda c: c.replace(golive, "golive").replace(f"'{store}'", "STORE").replace(store, "STORE")
ours = lambda r: r["command"].startswith(golive)
print(f"\n{name} ({store.split('@')[-1]}): mean ± σ")
for r in results:
    print(f"  {r['mean']*1000:8.1f} ms ± {r['stddev']*1000:5.1f}   {short(r['command'])}")
floor = [r["mean"] for r in results if not ours(r)]
if floor:
    f = min(floor)
    print(f"  against the database client's fastest query ({f*1000:.1f} ms, process start included):")
    for r in results:
        if ours(r):
            print(f"  {r['mean']/f:6.1f}x  {short(r['command'])}")
PY
}

db="$work/.golive/golive.db"
log "seeding $RUNS runs of a $ITEMS-item checklist into $db"
start=$(date +%s.%N)
"$seed" "$db" "$RUNS" "$ITEMS"
log "seeded in $(python3 -c "print(round($(date +%s.%N) - $start, 1))")s; $(du -h "$db" | cut -f1) on disk"
bench sqlite "$db" \
  "sqlite3 $db 'SELECT id, started_at, outcome, summary FROM runs ORDER BY id DESC LIMIT 20'" \
  "sqlite3 $db 'SELECT results FROM runs WHERE partial = 0 ORDER BY id DESC LIMIT 1'"

if $postgres; then
  pgdb="golive_bench_$$"
  psql -q postgres://postgres@127.0.0.1:5432/postgres -c "CREATE DATABASE $pgdb"
  url="postgres://postgres@127.0.0.1:5432/$pgdb"
  log "seeding $RUNS runs into PostgreSQL ($pgdb)"
  "$seed" "$url" "$RUNS" "$ITEMS"
  bench postgres "$url" \
    "psql -q -t $url -c 'SELECT id, started_at, outcome, summary FROM runs ORDER BY id DESC LIMIT 20'"
fi
