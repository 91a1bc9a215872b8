//! Times reading and planning each file of a folder (for finding slow inputs).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

fn main() {
    let dir = std::env::args().nth(1).expect("a folder");
    let rounds: u32 = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let read_only = std::env::args().nth(3).is_some_and(|m| m == "read");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let data = std::fs::read(&p).unwrap();
        let t = std::time::Instant::now();
        let mut items = 0;
        for _ in 0..rounds {
            if let Ok(c) = golive_checklist::Checklist::parse(data.clone()) {
                items = c.items.len();
                if !read_only {
                    let _ = golive_map::plan(&c);
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
