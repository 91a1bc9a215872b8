#!/usr/bin/env bash
# Memory of a long `golive watch`: thousands of accelerated rounds (every
# 5ms by default) against a local HTTP server, one check up and one down so
# that a trigger is pending and fired along the way, every round stored in
# SQLite. Samples the process's resident memory (VmRSS) and peak (VmHWM)
# from /proc after each thousand rounds, then stops the watch with Ctrl-C
# (SIGINT) and prints the figures: flat memory means the first and the last
# thousand rounds peak alike.
#
# Usage: scripts/bench-watch.sh [ROUNDS] [INTERVAL]   (default 5000 5ms)
# GOLIVE=path/to/golive uses that binary instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5000}
interval=${2:-5ms}
log() { printf '\033[1mbench-watch:\033[0m %s\n' "$*" >&2; }

if [[ -z "${GOLIVE:-}" ]]; then
  log "building golive (release)"
  cargo build --release -p golive --quiet
  GOLIVE="${CARGO_TARGET_DIR:-target}/release/golive"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
app_port=$(free_port)
metrics_port=$(free_port)
mkdir -p "$work/site" && echo ok > "$work/site/health"
python3 -m http.server "$app_port" --bind 127.0.0.1 --directory "$work/site" >/dev/null 2>&1 &
pids+=($!)

cat > "$work/golive.toml" <<TOML
[[check]]
id = "health"
kind = "http"
url = "\${app}/health"

[[check]]
id = "missing"
kind = "http"
url = "\${app}/missing"

[watch]
[[watch.trigger]]
name = "errors"
when = "error_rate > 10%"
for = "50ms"
window = "1s"
TOML

for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$app_port/health" >/dev/null && break
  sleep 0.1
done

log "watching every $interval for $rounds rounds"
"$GOLIVE" watch "$work/golive.toml" --url "http://127.0.0.1:$app_port" \
  --interval "$interval" --for 24h --listen "127.0.0.1:$metrics_port" >"$work/watch.log" &
watch_pid=$!
pids+=("$watch_pid")

rounds_now() {
  curl -sf "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null |
    awk '/^golive_watch_rounds_total/ {print $2}' || true
}
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$watch_pid/status"; }

printf '%8s %12s %12s %10s\n' rounds VmRSS_kB VmHWM_kB seconds
start=$(date +%s.%N)
next=1000
first_hwm=""
last_hwm=""
while (( next <= rounds )); do
  r=$(rounds_now)
  if [[ -n "$r" ]] && (( r >= next )); then
    rss=$(kb VmRSS); hwm=$(kb VmHWM)
    t=$(python3 -c "import time; print(f'{time.time()-$start:.1f}')")
    printf '%8s %12s %12s %10s\n' "$r" "$rss" "$hwm" "$t"
    [[ -z "$first_hwm" ]] && first_hwm=$hwm
    last_hwm=$hwm
    next=$((next + 1000))
  else
    kill -0 "$watch_pid" 2>/dev/null || { log "golive watch ended early:"; cat "$work/watch.log" >&2; exit 1; }
    sleep 0.2
  fi
done
kill -INT "$watch_pid"
wait "$watch_pid" || true
tail -n 4 "$work/watch.log" >&2
echo "peak RSS after the first 1000 rounds: ${first_hwm} kB; after round $rounds: ${last_hwm} kB"
