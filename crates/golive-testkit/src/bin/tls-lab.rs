//! `tls-lab DIR`: starts the TLS lab the `tls` probe's tests use (one nginx,
//! a server per case, certificates made on the spot) for scripts that
//! compare golive with other tools on the same servers
//! (`scripts/bench-tls.sh`). Writes into DIR:
//!
//! - `cases.tsv`: `name port verdict old_protocols min_protocol`, one case a line;
//! - `ca.pem`: the private CA to trust;
//! - `golive.toml`: one `tls` check per case, named after it;
//! - `cases/NAME.toml`: the same check alone, to time one case.
//!
//! Then prints `ready` and keeps the lab up until its standard input
//! closes, and stops nginx on the way out.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::path::PathBuf;

use golive_testkit::tls::{HOST, TlsLab};

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: tls-lab DIR   (the lab runs until standard input closes)");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir).expect("create the output folder");
    let lab = TlsLab::start();
    let ca = dir.join("ca.pem");
    std::fs::copy(&lab.ca, &ca).expect("copy ca.pem");
    std::fs::create_dir_all(dir.join("cases")).expect("create cases/");
    let mut tsv = String::new();
    let mut toml = String::from(
        "# The TLS lab's cases, one check each (written by tls-lab).\n[defaults]\ntimeout = \"10s\"\n",
    );
    for case in &lab.cases {
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            case.name, case.port, case.verdict, case.old_protocols, case.min_protocol
        ));
        let check = format!(
            "\n[[check]]\nid = \"{name}\"\nkind = \"tls\"\nhost = \"{HOST}\"\nport = {port}\nca = {ca:?}\n",
            name = case.name,
            port = case.port,
            ca = ca.display().to_string(),
        );
        toml.push_str(&check);
        std::fs::write(dir.join(format!("cases/{}.toml", case.name)), &check)
            .expect("write cases/NAME.toml");
    }
    std::fs::write(dir.join("cases.tsv"), tsv).expect("write cases.tsv");
    std::fs::write(dir.join("golive.toml"), toml).expect("write golive.toml");
    println!("ready");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(lab);
}
