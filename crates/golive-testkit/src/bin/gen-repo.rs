//! Writes a git repository of realistic code for benchmarks:
//! `gen-repo DIR FILES [--plant]`. With `--plant`, one secret of each kind
//! is committed too, and their places are printed.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(files)) = (args.first(), args.get(1).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: gen-repo DIR FILES [--plant]");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the folder");
    golive_testkit::security::git(&dir, &["init", "-q"]);
    golive_testkit::security::realistic_repo(&dir, files, 42);
    if args.iter().any(|a| a == "--plant") {
        for p in golive_testkit::security::plant_secrets(&dir, 7) {
            println!("{}:{} {}", p.file, p.line, p.rule);
        }
    }
}
