//! Times reading and planning each file of a folder (for finding slow inputs).
#![allow(clippy::print_stdout, clippy::unwrap_used)]
/// The golive binary's allocator, as in the benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = std::env::args().nth(1).expect("a folder");
    let rounds: u32 = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    // "read": reading only; "plan": planning only (read once).
    let mode = std::env::args().nth(3).unwrap_or_default();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let t = std::time::Instant::now();
        let mut items = 0;
        if mode == "plan" {
            let c = golive_checklist::Checklist::parse(data.clone()).unwrap();
            items = c.items.len();
            for _ in 0..rounds {
                std::hint::black_box(golive_map::plan(&c));
            }
        } else {
            for _ in 0..rounds {
                if let Ok(c) = golive_checklist::Checklist::parse(data.clone()) {
                    items = c.items.len();
                    if mode != "read" {
                        std::hint::black_box(golive_map::plan(&c));
                    }
                }
            }
        }
        println!(
            "{:>8.3} ms  {items:>4} items  {}",
            t.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds),
            p.display()
        );
    }
}
