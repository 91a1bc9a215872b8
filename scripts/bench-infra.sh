#!/usr/bin/env bash
# The datastore checks of a go-live checklist, done twice on this machine:
#   1. by golive, all at once (one golive.toml: postgres connect + query,
#      mysql, redis ping + config, amqp, smtp EHLO/STARTTLS, http health);
#   2. in sequence by a shell script, as the seeds' health-check scripts do
#      it: psql, mysql, redis-cli, rabbitmq-diagnostics, openssl s_client,
#      curl.
# Prints each run's time, the medians and their ratio, also without the
# RabbitMQ step (whose CLI starts an Erlang VM and dominates the sequence).
#
# Uses the machine's PostgreSQL, MariaDB, Redis and RabbitMQ (scripts/test
# starts them), and starts its own nginx and SMTP server (aiosmtpd) on free
# loopback ports. Usage: scripts/bench-infra.sh [ROUNDS]   (default 5)
# GOLIVE=path/to/golive uses that binary instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
log() { printf '\033[1mbench-infra:\033[0m %s\n' "$*" >&2; }

if [[ -z "${GOLIVE:-}" ]]; then
  log "building golive (release)"
  cargo build --release -p golive --quiet
  GOLIVE="${CARGO_TARGET_DIR:-target}/release/golive"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
db="golive_bench_$$"
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; log "port $1 never opened"; exit 1; }

# A database with the tables and indexes the checklist asks about.
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db"
psql -h 127.0.0.1 -U postgres -d "$db" -qc "CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE); CREATE TABLE salons (id serial PRIMARY KEY, name text); CREATE INDEX ON salons (name);"

# nginx with a health endpoint.
http_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off; worker_processes 1; user root; pid $work/nginx/nginx.pid; error_log $work/nginx/logs/error.log warn;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $work/nginx/b; proxy_temp_path $work/nginx/p; fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
  server { listen 127.0.0.1:$http_port; location = /health { default_type application/json; return 200 '{"status":"ok","database":"connected"}'; } } }
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!)

# An SMTP server offering STARTTLS, with a certificate of its own.
smtp_port=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat > "$work/smtp.py" <<'EOF'
import ssl, sys, time
from aiosmtpd.controller import Controller
class H:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]), tls_context=ctx).start()
while True:
    time.sleep(3600)
EOF
/usr/bin/python3 "$work/smtp.py" "$smtp_port" "$work/cert.pem" "$work/key.pem" & pids+=($!)
wait_port "$http_port"; wait_port "$smtp_port"

pg_url="postgres://postgres@127.0.0.1:5432/$db"
index_sql="SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'"

cat > "$work/golive.toml" <<EOF
[defaults]
timeout = "30s"

[[check]]
id = "postgres"
kind = "postgres"
url = "$pg_url"
query = "$index_sql"
tables = ["users", "salons"]
expect = ["value >= 3", "missing_tables not exists"]

[[check]]
id = "mysql"
kind = "mysql"
url = "mysql://root@127.0.0.1:3306/mysql"

[[check]]
id = "redis"
kind = "redis"
url = "redis://127.0.0.1:6379"
expect = ["ping == PONG", "aof_enabled exists", "maxmemory_policy exists"]

[[check]]
id = "amqp"
kind = "amqp"
url = "amqp://guest:guest@127.0.0.1:5672/%2f"

[[check]]
id = "smtp"
kind = "smtp"
host = "127.0.0.1"
port = $smtp_port
insecure = true
expect = ["ehlo == true", "starttls == true", "encrypted == true"]

[[check]]
id = "health"
kind = "http"
url = "http://127.0.0.1:$http_port/health"
expect = ["status == 200", "json.database == connected"]
EOF

# The same checks, one after the other, as a health-check.sh does them.
cat > "$work/health-check.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
step() { local s=\$(date +%s%N); "\$@" >/dev/null; echo "\$1 \$(( (\$(date +%s%N) - s) / 1000000 ))ms" >&2; }
step psql "$pg_url" -Atc "$index_sql"
step psql "$pg_url" -Atc "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users','salons')"
step mysql -h 127.0.0.1 -u root -e "SELECT VERSION()"
step redis-cli -h 127.0.0.1 -p 6379 ping
step redis-cli -h 127.0.0.1 -p 6379 CONFIG GET appendonly
step redis-cli -h 127.0.0.1 -p 6379 CONFIG GET maxmemory-policy
[[ "\${SKIP_RABBIT:-}" ]] || step rabbitmq-diagnostics -q ping
step bash -c 'printf "EHLO bench\r\nQUIT\r\n" | openssl s_client -starttls smtp -connect 127.0.0.1:$smtp_port -crlf -quiet 2>/dev/null | grep -q "^250"'
step curl -fsS --max-time 5 http://127.0.0.1:$http_port/health
EOF
chmod +x "$work/health-check.sh"

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; log "failed: $*"; exit 1; }; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

log "warming up"
"$GOLIVE" run "$work/golive.toml" --format json -o "$work/report.json" || { log "golive did not say GO:"; cat "$work/report.json" >&2; exit 1; }
SKIP_RABBIT=1 "$work/health-check.sh" 2>/dev/null

g=(); s=(); n=()
for i in $(seq "$rounds"); do
  g+=("$(ms "$GOLIVE" run "$work/golive.toml" --format json -o "$work/report.json")")
  s+=("$(ms "$work/health-check.sh")")
  n+=("$(SKIP_RABBIT=1 ms "$work/health-check.sh")")
  log "round $i: golive ${g[-1]}ms, shell ${s[-1]}ms, shell without RabbitMQ ${n[-1]}ms"
done
log "golive's own view of one run:"
"$GOLIVE" run "$work/golive.toml" --color never 2>&1 | sed 's/^/    /' >&2 || true
log "one shell round, step by step:"
"$work/health-check.sh" 2>&1 >/dev/null | sed 's/^/    /' >&2

gm=$(median "${g[@]}"); sm=$(median "${s[@]}"); nm=$(median "${n[@]}")
printf 'golive, 6 checks at once:               %6s ms (median of %s)\n' "$gm" "$rounds"
printf 'shell, 9 commands in sequence:          %6s ms   ratio %.1fx\n' "$sm" "$(echo "$sm / $gm" | bc -l)"
printf 'shell without rabbitmq-diagnostics:     %6s ms   ratio %.1fx\n' "$nm" "$(echo "$nm / $gm" | bc -l)"
