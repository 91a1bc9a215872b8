//! Reading and planning checklists: each seed, a generated 10,000-item
//! checklist, and a thousand checklists the size of seed 002.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use golive_checklist::Checklist;

/// The golive binary's allocator, so that the figures are what `golive plan` sees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/seeds");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/seeds")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .map(|p| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy()[..3].to_string())
                    .unwrap_or_default(),
                std::fs::read(&p).expect("seed"),
            )
        })
        .collect();
    out.sort();
    out
}

/// A checklist of `items` items in sections of twenty, phrased like the
/// seeds (health URLs, ports, people's tasks, thresholds, nesting).
pub fn generated(items: usize) -> Vec<u8> {
    const LINES: &[&str] = &[
        "- [ ] Health endpoint `/health` returns 200 OK (<500ms)",
        "- [x] Code reviewed and approved",
        "- [ ] **CRITICAL:** Generate production JWT secrets",
        "- [ ] Allow port 443 (HTTPS)",
        "- [ ] Train support team on new features",
        "- [ ] RDS Multi-AZ enabled",
        "- [ ] Project summary generated (PROJECT_SUMMARY.md)",
        "  - [ ] Test with 100 concurrent users",
        "- [~] p95 response time < 200ms",
        "- [ ] **Optional:** CDN configured",
    ];
    let mut out = String::from("# Generated Production Checklist\n\n");
    for i in 0..items {
        if i % 20 == 0 {
            out.push_str(&format!("\n## Phase {}: Area {}\n\n", i / 20 + 1, i / 20));
        }
        out.push_str(LINES[i % LINES.len()]);
        out.push_str(&format!(" #{i}\n"));
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    for (name, bytes) in seeds() {
        c.bench_function(&format!("read+plan seed {name}"), |b| {
            b.iter(|| {
                let checklist = Checklist::parse(black_box(bytes.clone())).expect("seed reads");
                black_box(golive_map::plan(&checklist))
            })
        });
    }
    let big = generated(10_000);
    c.bench_function("read+plan 10000 items", |b| {
        b.iter(|| {
            let checklist = Checklist::parse(black_box(big.clone())).expect("reads");
            black_box(golive_map::plan(&checklist))
        })
    });
    let seed_002 = seeds()
        .into_iter()
        .find(|(n, _)| n == "002")
        .expect("seed 002")
        .1;
    let mut group = c.benchmark_group("thousand");
    group.sample_size(10);
    group.bench_function("read+plan 1000 × seed 002", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                let checklist = Checklist::parse(black_box(seed_002.clone())).expect("reads");
                black_box(golive_map::plan(&checklist));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
