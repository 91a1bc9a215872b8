#!/usr/bin/env bash
# golive's load generator against wrk and oha, in one run on this machine:
# the same local nginx (keep-alive, a small static answer), the same
# connection counts (10 and 100), the same duration. Prints each tool's
# requests/s, p50, p99 and CPU seconds, and golive's ratios to the others.
#
#   scripts/bench-load.sh                 # 10s a run, 3 rounds, median round shown
#   DURATION=5 ROUNDS=1 scripts/bench-load.sh
#   CONNECTIONS="10 100 400" scripts/bench-load.sh
#
# Installs wrk (Debian) and oha (cargo install oha) when missing. Traffic
# goes to 127.0.0.1 only. nginx runs one worker, so on a small machine the
# generator that needs the least CPU leaves nginx the most and shows the
# most requests/s: CPU seconds are printed for that reason.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-"10 100"}
THREADS=${THREADS:-$(nproc)}

log() { printf '\033[1mbench-load:\033[0m %s\n' "$*" >&2; }

# --- the tools -------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v jq >/dev/null || need_apt+=(jq)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]}"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi
if ! command -v oha >/dev/null; then
  log "installing oha (cargo install oha --locked)"
  cargo install oha --locked
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -z "${GOLIVE:-}" ]; then
  log "building golive (release)"
  cargo build --release --locked -p golive -q
  GOLIVE="${CARGO_TARGET_DIR:-target}/release/golive"
fi

# --- nginx -----------------------------------------------------------------
work=$(mktemp -d /tmp/golive-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/logs" "$work/root"
printf 'hello, load\n' > "$work/root/index.html"
cat > "$work/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # Every tool keeps its connections for the whole run.
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  open_file_cache max=16 inactive=60s;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port;
    root $work/root;
    location / { index index.html; }
  }
}
EOF
"$NGINX" -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
up=""
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
  sleep 0.1
done
[ -n "$up" ] || { log "nginx did not start: $(cat "$work/logs/error.log" 2>/dev/null)"; exit 1; }
URL="http://127.0.0.1:$port/"
log "nginx on $URL; $THREADS threads for wrk, ${DURATION}s a run, $ROUNDS round(s), connections: $CONNECTIONS"

# --- one run of one tool: prints "rps p50_ms p99_ms cpu_s" -----------------
to_ms() { # wrk's 163.00us / 1.23ms / 1.02s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
    else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
    else { sub(/s$/, "", v); print v * 1000 } }'
}

run_tool() { # tool connections
  local tool=$1 c=$2 out="$work/out" cpu="$work/cpu"
  case $tool in
    wrk)
      /usr/bin/time -f '%U %S' -o "$cpu" wrk -t "$(( THREADS < c ? THREADS : c ))" -c "$c" -d "${DURATION}s" --latency "$URL" > "$out"
      local rps p50 p99
      rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
      p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
      p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
      echo "$rps $p50 $p99"
      ;;
    oha)
      /usr/bin/time -f '%U %S' -o "$cpu" oha -z "${DURATION}s" -c "$c" --no-tui --output-format json "$URL" > "$out"
      jq -r '"\(.summary.requestsPerSec) \(.latencyPercentiles.p50 * 1000) \(.latencyPercentiles.p99 * 1000)"' "$out"
      ;;
    golive)
      # Exit status 1 only says a threshold failed; the numbers are in the JSON.
      /usr/bin/time -f '%U %S' -o "$cpu" "$GOLIVE" load "$URL" --users "$c" --duration "${DURATION}s" --format json > "$out" 2>/dev/null || [ -s "$out" ]
      jq -r '"\(.evidence.rps) \(.evidence.p50) \(.evidence.p99)"' "$out"
      ;;
  esac | { read -r rps p50 p99; echo "$rps $p50 $p99 $(awk '{print $1 + $2}' "$cpu")"; }
}

# Rounds alternate between the tools, so that whatever else the machine
# does is spread over all three; the median round by requests/s is shown.
declare -A result spread
for c in $CONNECTIONS; do
  for round in $(seq "$ROUNDS"); do
    for t in golive wrk oha; do
      log "round $round: $t, $c connections"
      run_tool "$t" "$c" | tee -a "$work/rows.$t.$c" | sed "s/^/bench-load:   $t $c: /" >&2
      sleep 1
    done
  done
  for t in golive wrk oha; do
    result[$t,$c]=$(sort -n -k1,1 "$work/rows.$t.$c" | sed -n "$(( (ROUNDS + 1) / 2 ))p")
    spread[$t,$c]=$(sort -n -k1,1 "$work/rows.$t.$c" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}')
  done
done

printf '\n%-6s %-7s %12s %16s %10s %10s %8s %14s\n' conns tool 'requests/s' '(rounds: range)' 'p50 ms' 'p99 ms' 'CPU s' 'CPU us/req'
for c in $CONNECTIONS; do
  for t in golive wrk oha; do
    read -r rps p50 p99 cpu <<< "${result[$t,$c]}"
    printf '%-6s %-7s %12.0f %16s %10.3f %10.3f %8.2f %14.2f\n' "$c" "$t" "$rps" "${spread[$t,$c]}" "$p50" "$p99" "$cpu" \
      "$(awk -v c="$cpu" -v r="$rps" -v d="$DURATION" 'BEGIN {print c * 1e6 / (r * d)}')"
  done
done
printf '\n%-6s %18s %18s %22s %22s\n' conns 'golive/wrk req/s' 'golive/oha req/s' 'golive/wrk CPU/req' 'golive/oha CPU/req'
for c in $CONNECTIONS; do
  read -r g_rps _ _ g_cpu <<< "${result[golive,$c]}"
  read -r w_rps _ _ w_cpu <<< "${result[wrk,$c]}"
  read -r o_rps _ _ o_cpu <<< "${result[oha,$c]}"
  awk -v c="$c" -v g="$g_rps" -v w="$w_rps" -v o="$o_rps" -v gc="$g_cpu" -v wc="$w_cpu" -v oc="$o_cpu" 'BEGIN {
    printf "%-6s %18.2f %18.2f %22.2f %22.2f\n", c, g / w, g / o, (gc / g) / (wc / w), (gc / g) / (oc / o) }'
done
