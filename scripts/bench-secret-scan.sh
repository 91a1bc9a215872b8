#!/usr/bin/env bash
# Compares secret_scan's speed and findings with a peer scanner on the same
# large generated repository: ripsecrets (cargo install ripsecrets) when it
# is installed, else detect-secrets (pip install detect-secrets).
#
#   scripts/bench-secret-scan.sh [FILES]     (default 20000 files)
#
# Builds golive and the repository generator in release mode, writes a git
# repository of realistic code with one planted secret of each kind, then
# times each tool over it (best of three) and prints the times, the ratio
# and what each tool found.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
log() { printf '\033[1mbench:\033[0m %s\n' "$*" >&2; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
log "building golive and gen-repo (release)"
cargo build --release --quiet -p golive -p golive-testkit --bin golive --bin gen-repo
bin="$CARGO_TARGET_DIR/release"

work=$(mktemp -d -t golive-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
log "generating $files files in $repo"
"$bin/gen-repo" "$repo" "$files" --plant > "$work/planted.txt"
planted=$(wc -l < "$work/planted.txt")
size=$(du -sh --exclude=.git "$repo" | cut -f1)

cat > "$work/golive.toml" <<TOML
[defaults]
timeout = "10m"

[[check]]
id = "secrets"
kind = "secret_scan"
TOML

best() { # command... : prints the best wall time of three runs, in seconds
  local best=""
  for _ in 1 2 3; do
    local s e t
    s=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "$best"
}

golive_run() { "$bin/golive" run "$work/golive.toml" --repo "$repo" --format json -o "$work/golive.json"; }

if command -v ripsecrets > /dev/null; then
  peer=ripsecrets
  peer_run() { ripsecrets "$repo"; }
else
  if ! command -v detect-secrets > /dev/null; then
    log "installing detect-secrets (pip)"
    pip install --quiet detect-secrets >&2
  fi
  peer=detect-secrets
  peer_run() { (cd "$repo" && detect-secrets scan); }
fi

log "timing golive secret_scan"
t_golive=$(best golive_run)
log "timing $peer"
t_peer=$(best peer_run)

golive_run > /dev/null 2>&1 || true
golive_found=$(python3 -c '
import json, sys
def find(v):
    if isinstance(v, dict):
        if v.get("kind") == "secret_scan" and "evidence" in v:
            return v["evidence"]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            r = find(x)
            if r: return r
c = find(json.load(open(sys.argv[1])))
print(c["findings"])
for d in c["details"]:
    print("  %s:%s %s %s" % (d["file"], d["line"], d["rule"], d["secret"]))
' "$work/golive.json")
case $peer in
  ripsecrets) peer_found=$(cd "$repo" && ripsecrets . 2>/dev/null | sed -E 's/^\.\///' || true)
              peer_count=$(printf '%s\n' "$peer_found" | grep -c . || true) ;;
  *) peer_json=$(cd "$repo" && detect-secrets scan)
     peer_count=$(printf '%s' "$peer_json" | python3 -c 'import json,sys; print(sum(len(v) for v in json.load(sys.stdin)["results"].values()))')
     peer_found=$(printf '%s' "$peer_json" | python3 -c 'import json,sys
for f,v in json.load(sys.stdin)["results"].items():
    for x in v: print("%s:%s %s" % (f, x["line_number"], x["type"]))') ;;
esac

echo
echo "repository: $files generated files + $planted planted secrets ($size)"
printf '%-24s %8.3fs\n' "golive secret_scan" "$t_golive" "$peer" "$t_peer"
printf 'ratio (%s / golive):  %.1fx\n' "$peer" "$(echo "$t_peer / $t_golive" | bc -l)"
echo
echo "planted:"
sed 's/^/  /' "$work/planted.txt"
echo
echo "golive findings: $(head -1 <<< "$golive_found")"
tail -n +2 <<< "$golive_found"
echo
echo "$peer findings: $peer_count"
printf '%s\n' "$peer_found" | sed 's/^/  /' | head -60
