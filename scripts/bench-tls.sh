#!/usr/bin/env bash
# golive's `tls` verdicts against testssl.sh's, on the same nginx servers:
# the TLS lab the tests use (a valid certificate, an expired one, one
# expiring in 5 days, one for the wrong host, a self-signed one, a TLS
# 1.3-only server and one still accepting TLS 1.0 and 1.1), all behind a
# private CA that both tools are told to trust. Prints both verdicts side
# by side, whether they agree, and the time each tool took.
#
#   scripts/bench-tls.sh            # needs nginx, openssl, testssl.sh, jq (scripts/test installs them)
#
# testssl.sh runs with the sections that give these verdicts (-p protocols,
# -S certificate and server defaults), one server at a time, without DNS
# (--nodns none --ip 127.0.0.1). golive runs each case alone, then all
# seven in one run, as a go-live gate would. Nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "bench-tls: $*" >&2; exit 1; }
for p in testssl jq nginx openssl; do
  command -v "$p" >/dev/null || die "$p is not installed (scripts/test installs what is needed)"
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet -p golive --bin golive -p golive-testkit --bin tls-lab
bin="$CARGO_TARGET_DIR/release"

work=$(mktemp -d -t golive-bench-tls.XXXXXX)
lab_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true       # closing the lab's input stops it, and nginx with it
  [[ -n "$lab_pid" ]] && wait "$lab_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/ctl"
"$bin/tls-lab" "$work" <"$work/ctl" >"$work/lab.log" 2>&1 &
lab_pid=$!
exec 3>"$work/ctl"
for _ in $(seq 600); do
  grep -q '^ready' "$work/lab.log" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$work/lab.log" >&2; die "the TLS lab did not start"; }
  sleep 0.1
done
grep -q '^ready' "$work/lab.log" || die "the TLS lab did not start within 60s"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# golive: every case in one run, as a gate runs them.
t=$(now_ms)
"$bin/golive" run "$work/golive.toml" --format json -o "$work/golive.json" || true
golive_all_ms=$(( $(now_ms) - t ))

golive_verdict() { # case -> "verdict old min"
  jq -r --arg id "$1" '.items[] | select(.id == $id) | .checks[0].evidence
    | [ (.problem // (if .valid then "ok" else "error" end)),
        (if ((.protocols // []) | index("TLSv1.0") or index("TLSv1.1")) then "yes" else "no" end),
        (.min_protocol // "?") ] | join(" ")' "$work/golive.json"
}

testssl_verdict() { # json -> "verdict old min"
  jq -r '
    . as $all
    | def f($id): ($all | map(select(.id == $id)) | first | .finding) // "";
      def offered($id): f($id) | test("^offered");
    [ (if (f("cert_expirationStatus") | test("expired")) then "expired"
       elif (f("cert_trust") | test("does not match")) then "wrong_host"
       elif (f("cert_chain_of_trust") | test("self signed")) then "self_signed"
       elif (f("cert_chain_of_trust") | test("^failed")) then "unknown_issuer"
       elif (f("cert_chain_of_trust") | test("^passed")) then "ok"
       else "error" end),
      (if (offered("TLS1") or offered("TLS1_1")) then "yes" else "no" end),
      ([["SSLv3","SSLv3"],["TLS1","TLSv1.0"],["TLS1_1","TLSv1.1"],["TLS1_2","TLSv1.2"],["TLS1_3","TLSv1.3"]]
        | map(select(offered(.[0])) | .[1]) | first // "?")
    ] | join(" ")' "$1"
}

printf '\n%-14s | %-32s | %-32s | %-5s | %9s | %9s\n' \
  "case" "golive: verdict old-TLS min" "testssl.sh: verdict old-TLS min" "agree" "golive" "testssl"
printf -- '---------------+----------------------------------+----------------------------------+-------+-----------+----------\n'
golive_sum=0 testssl_sum=0 agreed=0 total=0
while IFS=$'\t' read -r name port verdict old min; do
  t=$(now_ms)
  "$bin/golive" run "$work/cases/$name.toml" --format json -o "$work/golive-$name.json" >/dev/null 2>&1 || true
  g_ms=$(( $(now_ms) - t ))
  t=$(now_ms)
  testssl --quiet --color 0 --nodns none --ip 127.0.0.1 --add-ca "$work/ca.pem" -p -S \
    --jsonfile "$work/testssl-$name.json" "https://localhost:$port" >"$work/testssl-$name.txt" 2>&1 || true
  t_ms=$(( $(now_ms) - t ))
  g=$(golive_verdict "$name")
  s=$(testssl_verdict "$work/testssl-$name.json")
  expected="$verdict $([[ $old == true ]] && echo yes || echo no) $min"
  agree=no
  [[ "$g" == "$s" ]] && agree=yes && agreed=$((agreed + 1))
  [[ "$g" != "$expected" ]] && agree="$agree (lab says: $expected)"
  total=$((total + 1))
  golive_sum=$((golive_sum + g_ms)) testssl_sum=$((testssl_sum + t_ms))
  printf '%-14s | %-32s | %-32s | %-5s | %7sms | %7sms\n' "$name" "$g" "$s" "$agree" "$g_ms" "$t_ms"
done <"$work/cases.tsv"

echo
echo "agreement: $agreed of $total cases"
echo "golive, one case at a time: ${golive_sum}ms in all; all $total cases in one run: ${golive_all_ms}ms"
echo "testssl.sh, one case at a time: ${testssl_sum}ms in all"
awk -v t="$testssl_sum" -v g="$golive_sum" -v a="$golive_all_ms" 'BEGIN {
  printf "time ratio testssl.sh / golive: %.0fx (case by case), %.0fx (golive running all cases at once)\n", t / g, t / a }'
[[ $agreed -eq $total ]] || exit 1
