#!/usr/bin/env bash
# Reading and planning speed (criterion) and the peak memory of `golive plan`
# on a generated 10,000-item checklist.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p golive
cargo bench -q -p golive-map --bench plan -- --noplot 2>/dev/null | grep -E 'read\+plan|time:' || true
# The same seed split into reading alone and mapping alone (read once).
seed=$(mktemp -d)
cp tests/seeds/002_*.txt "$seed/"
for mode in read plan; do
  printf '%s only: ' "$mode"
  cargo run -q --release -p golive-map --example corpus_time -- "$seed" 3000 "$mode"
done
rm -rf "$seed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/big.md" <<'PY'
import sys
lines = ["- [ ] Health endpoint `/health` returns 200 OK (<500ms)", "- [x] Code reviewed and approved",
         "- [ ] **CRITICAL:** Generate production JWT secrets", "- [ ] Allow port 443 (HTTPS)",
         "- [ ] Train support team on new features", "- [ ] RDS Multi-AZ enabled",
         "- [ ] Project summary generated (PROJECT_SUMMARY.md)", "  - [ ] Test with 100 concurrent users",
         "- [~] p95 response time < 200ms", "- [ ] **Optional:** CDN configured"]
out = ["# Generated Production Checklist", ""]
for i in range(10000):
    if i % 20 == 0:
        out += ["", f"## Phase {i // 20 + 1}: Area {i // 20}", ""]
    out.append(f"{lines[i % len(lines)]} #{i}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
target=${CARGO_TARGET_DIR:-target}
for fmt in human json; do
  /usr/bin/time -f "golive plan (10,000 items, --format $fmt): %e s wall, %M KiB peak RSS" \
    "$target/release/golive" plan "$tmp/big.md" --format "$fmt" > /dev/null
done
# One checklist, as a user runs it: start-up (compiling the patterns) included.
/usr/bin/time -f "golive plan (seed 002, one process): %e s wall, %M KiB peak RSS" \
  "$target/release/golive" plan tests/seeds/002_*.txt > /dev/null
